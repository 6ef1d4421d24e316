package io.reasonflow.trainer.grpo;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.trainer.TrainerProperties;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Scored groups and GRPO settings for tests. */
final class GrpoFixtures {
    static final double TEMPERATURE = 1.0;

    private GrpoFixtures() {
    }

    /** A completion of the group with its behaviour log-probs, finish reason and total reward. */
    record Sample(int[] tokenIds, double[] logProbs, FinishReason finishReason, Double reward,
            Map<String, Double> graderScores) {

        static Sample of(int[] tokenIds, double[] logProbs, FinishReason finishReason, Double reward) {
            Map<String, Double> scores = new HashMap<>();
            scores.put("accuracy", reward);
            return new Sample(tokenIds, logProbs, finishReason, reward, scores);
        }
    }

    /** Builds a scored group sampled by {@code version}. */
    static ScoredGroup group(String id, String prompt, long version, List<Sample> samples) {
        SamplingSettings sampling = new SamplingSettings(samples.size(), TEMPERATURE, 1.0, 0, 64, List.of());
        PromptMessage message = new PromptMessage(Messages.SCHEMA_VERSION, "run", id, id, "arithmetic", prompt, "1",
                Purpose.TRAIN, sampling, 0);
        List<Completion> completions = new ArrayList<>();
        List<CompletionScore> scores = new ArrayList<>();
        for (Sample sample : samples) {
            completions.add(new Completion("text", sample.tokenIds(), sample.logProbs(), sample.finishReason()));
            scores.add(new CompletionScore(sample.graderScores(), sample.reward()));
        }
        return new ScoredGroup(Messages.SCHEMA_VERSION,
                new RolloutGroup(Messages.SCHEMA_VERSION, message, version, "worker", completions), scores);
    }

    /**
     * Random groups of byte tokens with lengths 3 to 12, each ending in EOS, behaviour log-probs near the
     * uniform -log(259) of a fresh model, and rewards alternating between 1 and 0 within each group.
     */
    static List<ScoredGroup> randomGroups(Random random, int groups, int groupSize, long version) {
        List<ScoredGroup> result = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < groupSize; i++) {
                int length = 3 + random.nextInt(10);
                int[] tokens = new int[length];
                double[] logProbs = new double[length];
                for (int t = 0; t < length; t++) {
                    tokens[t] = t == length - 1 ? ByteTokenizer.EOS : 'a' + random.nextInt(26);
                    logProbs[t] = -Math.log(259) + 0.3 * (random.nextDouble() - 0.5);
                }
                samples.add(Sample.of(tokens, logProbs, FinishReason.STOP, (double) ((i + g) % 2)));
            }
            result.add(group("g" + g, "User: " + g + "+" + g + "\nAssistant: ", version, samples));
        }
        return result;
    }

    /**
     * Mutable GRPO settings sized for a small test model, with the defaults of {@code trainer-service.properties}
     * for the GRPO options.
     */
    static final class Settings {
        int steps = 4;
        int groupsPerStep = 2;
        int groupSize = 4;
        int maxNewTokens = 16;
        double learningRate = 1e-3;
        double epsilonLow = 0.2;
        double epsilonHigh = 0.28;
        double beta = 0.04;
        double dualClip;
        boolean decoupled = true;
        double importanceWeightCap = 5.0;
        int referenceResetSteps;
        String scaling = "group-std";
        String aggregation = "sequence-mean";
        boolean maskTruncated;
        int mu = 1;
        int minibatchSize;
        int microBatchSize;
        int warmupSteps;
        double minLearningRateRatio = 1.0;
        double weightDecay = 0.01;

        TrainerProperties.Grpo build() {
            return new TrainerProperties.Grpo(steps, groupsPerStep, groupSize, TEMPERATURE, maxNewTokens, learningRate,
                    epsilonLow, epsilonHigh, beta, 1, dualClip, decoupled, importanceWeightCap, referenceResetSteps,
                    scaling, "sample", 1e-4, aggregation, maskTruncated, false, 64, mu, minibatchSize,
                    microBatchSize, warmupSteps, minLearningRateRatio, weightDecay, 1.0);
        }
    }
}
