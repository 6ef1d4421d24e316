package io.reasonflow.pipeline.bench;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.reward.GroupScorer;
import io.reasonflow.rollout.GroupGenerator;
import io.reasonflow.rollout.PolicyAssembler;
import io.reasonflow.trainer.io.InputPosition;
import io.reasonflow.trainer.io.TrainerIo;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;

/**
 * The trainer's side of the pipeline without a broker: the rollout service's {@link GroupGenerator} and
 * {@link PolicyAssembler} and the reward service's {@link GroupScorer}, called on the training thread.
 * Prompts are generated when the trainer polls for scored groups, always with the newest policy version,
 * so a run behaves as one with staleness bound 0. Policy versions are split into chunks, verified and
 * loaded as a rollout worker does; only the transport is missing.
 */
final class InProcessTrainerIo implements TrainerIo, AutoCloseable {
    private final String runId;
    private final GroupGenerator generator;
    private final GroupScorer scorer;
    private final PolicyAssembler assembler;
    private final int maxBatchSequences;
    private final long seed;
    private final Queue<PromptMessage> prompts = new ArrayDeque<>();
    private final Map<Purpose, Queue<ScoredGroup>> scored = new EnumMap<>(Purpose.class);
    private PolicyModel model;
    private long version = -1;
    private long batches;
    private long tokens;

    /**
     * @param maxBatchSequences rows of one generation batch, as {@code reasonflow.rollout.max-batch-sequences}
     * @param seed              batch seed of prompts without their own, as {@code reasonflow.rollout.seed}
     */
    InProcessTrainerIo(String runId, int maxBatchSequences, long seed, Map<String, Double> weights) {
        this.runId = runId;
        this.maxBatchSequences = maxBatchSequences;
        this.seed = seed;
        this.generator = new GroupGenerator(new ByteTokenizer(), maxBatchSequences, runId + "-in-process");
        this.scorer = new GroupScorer(weights);
        this.assembler = new PolicyAssembler(runId);
        for (Purpose purpose : Purpose.values()) {
            scored.put(purpose, new ArrayDeque<>());
        }
    }

    @Override
    public void publishPrompts(List<PromptMessage> batch) {
        prompts.addAll(batch);
    }

    @Override
    public void publishEval(EvalResult result) {
        // Nothing reads evaluations in process.
    }

    @Override
    public ScoredGroup pollScored(Purpose purpose, Duration timeout) {
        while (scored.get(purpose).isEmpty() && !prompts.isEmpty()) {
            generateNextBatch();
        }
        return scored.get(purpose).poll();
    }

    /** Takes the queued prompts that fill one generation batch, as the rollout worker does, and scores them. */
    private void generateNextBatch() {
        if (model == null) {
            throw new IllegalStateException("no policy version was published before the first prompt");
        }
        List<PromptMessage> batch = new ArrayList<>();
        int rows = 0;
        while (!prompts.isEmpty()) {
            PromptMessage next = prompts.peek();
            int size = next.sampling().groupSize();
            boolean sameSettings = batch.isEmpty() || batch.get(0).sampling().equals(next.sampling());
            if (!batch.isEmpty() && (!sameSettings || rows + size > maxBatchSequences)) {
                break;
            }
            batch.add(prompts.poll());
            rows += size;
        }
        for (RolloutGroup group : generator.generate(batch, model, version, seed + batches++)) {
            group.completions().forEach(c -> tokens += c.tokenIds().length);
            scored.get(group.prompt().purpose()).add(scorer.score(group));
        }
    }

    /** Tokens generated so far. */
    long tokensGenerated() {
        return tokens;
    }

    @Override
    public List<String> drainDeadLettered() {
        return List.of();
    }

    @Override
    public boolean startReading(InputPosition resumeFrom) {
        return false;
    }

    @Override
    public InputPosition position(Set<String> neededGroupIds) {
        return new InputPosition("in-process", "in-process", Map.of(), Map.of(), Map.of());
    }

    @Override
    public void commit(InputPosition position, String checkpoint) {
        // No offsets without a broker.
    }

    @Override
    public void publishPolicy(PolicyManifest manifest, List<PolicyChunk> chunks) {
        Optional<PolicyAssembler.AssembledPolicy> assembled = Optional.empty();
        for (PolicyChunk chunk : chunks) {
            assembled = assembler.offerChunk(chunk);
        }
        if (assembled.isEmpty()) {
            assembled = assembler.offerManifest(manifest);
        }
        PolicyAssembler.AssembledPolicy verified = assembled.orElseThrow(() -> new IllegalStateException(
                "policy version " + manifest.version() + " of run " + runId + " failed verification in process"));
        PolicyModel loaded = PolicyModel.fromSafetensors(ModelConfig.fromJson(verified.manifest().modelConfig()),
                verified.weights());
        if (model != null) {
            model.close();
        }
        model = loaded;
        version = manifest.version();
    }

    @Override
    public long highestPublishedVersion(String forRun) {
        return runId.equals(forRun) ? version : -1;
    }

    @Override
    public void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }
}
