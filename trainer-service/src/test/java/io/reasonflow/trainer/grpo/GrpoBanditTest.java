package io.reasonflow.trainer.grpo;

import static io.reasonflow.trainer.grpo.GrpoFixtures.group;
import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.sampling.SampledSequence;
import io.reasonflow.model.sampling.Sampler;
import io.reasonflow.model.sampling.SamplingOptions;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.trainer.grpo.GrpoFixtures.Sample;
import io.reasonflow.trainer.grpo.GrpoFixtures.Settings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * GRPO on tasks whose best completion is known, with completions sampled by the real sampler from the policy being
 * trained: the rewarded behaviour must become more likely, step after step, as the policy gradient theorem predicts.
 */
class GrpoBanditTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final ModelConfig CONFIG = ModelConfig.tiny(ByteTokenizer.VOCAB_SIZE);
    private static final List<String> PROMPTS = List.of("User: pick a letter\nAssistant: ",
            "User: now pick a letter, any of them\nAssistant: ", "User: a letter?\nAssistant: ");
    private static final int MAX_NEW_TOKENS = 4;

    /** Reward 1 when the first completion token is a lowercase letter: about 26 of 259 tokens at the start. */
    private static double firstIsLetter(int[] tokens) {
        return tokens.length > 0 && tokens[0] >= 'a' && tokens[0] <= 'z' ? 1.0 : 0.0;
    }

    /** Reward 1 when the third completion token is a lowercase letter, whatever comes before it. */
    private static double thirdIsLetter(int[] tokens) {
        return tokens.length > 2 && tokens[2] >= 'a' && tokens[2] <= 'z' ? 1.0 : 0.0;
    }

    @Test
    void laterTokenLearnsAcrossPromptLengths() {
        List<Double> rates = train(settings(6), 30, GrpoBanditTest::thirdIsLetter);

        assertThat(rates.get(rates.size() - 1)).as("reward rate by step: %s", rates).isGreaterThan(0.6);
    }

    @Test
    void firstTokenLearns() {
        List<Double> rates = train(settings(8), 30, GrpoBanditTest::firstIsLetter);

        assertThat(rates.get(rates.size() - 1)).as("reward rate by step: %s", rates).isGreaterThan(0.6);
    }

    /** Returns settings of {@code groupsPerStep} groups of 8, a high learning rate and no KL penalty. */
    private static Settings settings(int groupsPerStep) {
        Settings settings = new Settings();
        settings.groupsPerStep = groupsPerStep;
        settings.groupSize = 8;
        settings.maxNewTokens = MAX_NEW_TOKENS;
        settings.learningRate = 3e-3;
        settings.beta = 0.0;
        return settings;
    }

    /** Trains for {@code steps} and returns the mean reward of fresh samples before the first and after each step. */
    private static List<Double> train(Settings settings, int steps, ToDoubleFunction<int[]> reward) {
        List<Double> rates = new ArrayList<>();
        Sampler sampler = new Sampler();
        SamplingOptions options = SamplingOptions.sampling(GrpoFixtures.TEMPERATURE, MAX_NEW_TOKENS,
                TOKENIZER.eosIds());
        List<int[]> prompts = PROMPTS.stream().map(text -> PromptTokens.encode(TOKENIZER, text)).toList();
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 11); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 5)) {
            rates.add(rewardRate(sampler, policy, prompts, options, reward, 1_000_000));
            for (int step = 0; step < steps; step++) {
                List<ScoredGroup> groups = new ArrayList<>();
                for (int g = 0; g < settings.groupsPerStep; g++) {
                    int promptIndex = g % prompts.size();
                    List<SampledSequence> sampled = sampler.sample(policy,
                            Collections.nCopies(settings.groupSize, prompts.get(promptIndex)), options, step * 1_000L + g);
                    List<Sample> samples = new ArrayList<>();
                    for (SampledSequence sequence : sampled) {
                        double[] logProbs = new double[sequence.logProbs().length];
                        for (int t = 0; t < logProbs.length; t++) {
                            logProbs[t] = sequence.logProbs()[t];
                        }
                        samples.add(Sample.of(sequence.tokenIds(), logProbs,
                                sequence.stopped() ? FinishReason.STOP : FinishReason.LENGTH,
                                reward.applyAsDouble(sequence.tokenIds())));
                    }
                    groups.add(group("s" + step + "g" + g, PROMPTS.get(promptIndex), step, samples));
                }
                update.step(groups, step);
                rates.add(rewardRate(sampler, policy, prompts, options, reward, 2_000_000L + step));
            }
        }
        return rates;
    }

    /** Returns the mean reward of 255 fresh samples, an equal share from each prompt, sampled in one batch. */
    private static double rewardRate(Sampler sampler, PolicyModel policy, List<int[]> prompts, SamplingOptions options,
            ToDoubleFunction<int[]> reward, long seed) {
        List<int[]> batch = new ArrayList<>();
        for (int i = 0; i < 255; i++) {
            batch.add(prompts.get(i % prompts.size()));
        }
        List<SampledSequence> sampled = sampler.sample(policy, batch, options, seed);
        return sampled.stream().mapToDouble(sequence -> reward.applyAsDouble(sequence.tokenIds())).average()
                .orElseThrow();
    }
}
