package io.reasonflow.rollout;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.model.sampling.SampledSequence;
import io.reasonflow.model.sampling.Sampler;
import io.reasonflow.model.sampling.SamplingOptions;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Turns prompts into rollout groups: prompts that share sampling settings are packed into one batch
 * of up to {@code maxBatchSequences} sequences (each prompt repeated G times), sampled together, and
 * split back into one group per prompt. A prompt that carries a sampling seed is sampled from random
 * streams of that seed; the others share streams of the batch seed.
 */
public class GroupGenerator {
    private final Tokenizer tokenizer;
    private final Sampler sampler = new Sampler();
    private final int maxBatchSequences;
    private final String workerId;

    public GroupGenerator(Tokenizer tokenizer, int maxBatchSequences, String workerId) {
        this.tokenizer = tokenizer;
        this.maxBatchSequences = maxBatchSequences;
        this.workerId = workerId;
    }

    /** Samples every prompt's group with one policy; the result keeps the order of {@code prompts}. */
    public List<RolloutGroup> generate(List<PromptMessage> prompts, PolicyModel model, long policyVersion, long seed) {
        Map<SamplingSettings, List<PromptMessage>> bySettings = new LinkedHashMap<>();
        for (PromptMessage prompt : prompts) {
            bySettings.computeIfAbsent(prompt.sampling(), s -> new ArrayList<>()).add(prompt);
        }
        Map<String, RolloutGroup> byGroupId = new LinkedHashMap<>();
        long batchSeed = seed;
        for (var entry : bySettings.entrySet()) {
            for (List<PromptMessage> batch : pack(entry.getValue(), entry.getKey().groupSize())) {
                for (RolloutGroup group : sampleBatch(batch, entry.getKey(), model, policyVersion, batchSeed++)) {
                    byGroupId.put(group.groupId(), group);
                }
            }
        }
        return prompts.stream().map(p -> byGroupId.get(p.groupId())).toList();
    }

    private List<List<PromptMessage>> pack(List<PromptMessage> prompts, int groupSize) {
        int promptsPerBatch = Math.max(1, maxBatchSequences / groupSize);
        List<List<PromptMessage>> batches = new ArrayList<>();
        for (int start = 0; start < prompts.size(); start += promptsPerBatch) {
            batches.add(prompts.subList(start, Math.min(prompts.size(), start + promptsPerBatch)));
        }
        return batches;
    }

    private List<RolloutGroup> sampleBatch(List<PromptMessage> batch, SamplingSettings settings, PolicyModel model,
            long policyVersion, long seed) {
        int g = settings.groupSize();
        List<int[]> inputs = new ArrayList<>(batch.size() * g);
        long[] rowSeeds = new long[batch.size() * g];
        SplittableRandom unseeded = new SplittableRandom(seed);
        for (int p = 0; p < batch.size(); p++) {
            PromptMessage prompt = batch.get(p);
            int[] ids = PromptTokens.encode(tokenizer, prompt.text());
            // A seeded prompt's rows draw from streams of its own seed, so its completions are the same in any batch.
            SplittableRandom streams = prompt.samplingSeed() == null ? unseeded
                    : new SplittableRandom(prompt.samplingSeed());
            for (int i = 0; i < g; i++) {
                inputs.add(ids);
                rowSeeds[p * g + i] = streams.nextLong();
            }
        }
        List<SampledSequence> sampled = sampler.sample(model, inputs, optionsFor(settings), rowSeeds);
        List<RolloutGroup> groups = new ArrayList<>(batch.size());
        for (int p = 0; p < batch.size(); p++) {
            List<Completion> completions = new ArrayList<>(g);
            for (int i = 0; i < g; i++) {
                completions.add(toCompletion(sampled.get(p * g + i)));
            }
            groups.add(new RolloutGroup(Messages.SCHEMA_VERSION, batch.get(p), policyVersion, workerId, completions));
        }
        return groups;
    }

    private SamplingOptions optionsFor(SamplingSettings settings) {
        List<int[]> stopSequences = settings.stop().stream().map(tokenizer::encode).toList();
        return new SamplingOptions(settings.temperature(), settings.topP(), settings.topK(), settings.maxNewTokens(),
                tokenizer.eosIds(), stopSequences);
    }

    private Completion toCompletion(SampledSequence sequence) {
        double[] logProbs = new double[sequence.logProbs().length];
        for (int i = 0; i < logProbs.length; i++) {
            logProbs[i] = sequence.logProbs()[i];
        }
        return new Completion(tokenizer.decode(sequence.tokenIds()), sequence.tokenIds(), logProbs,
                sequence.stopped() ? FinishReason.STOP : FinishReason.LENGTH);
    }
}
