package io.reasonflow.model.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.training.AdamW;
import io.reasonflow.model.training.SequenceBatch;
import io.reasonflow.model.training.SftLoss;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times full training steps: forward, supervised loss, backward and an AdamW update, on random token sequences
 * whose first token is the prompt and the rest the completion.
 */
final class TrainStepBenchmark {
    private TrainStepBenchmark() {
    }

    /** Seconds per step (best of the timed steps) and the loss, which must stay finite. */
    record Timing(double secondsPerStep, double lastLoss) {
    }

    /**
     * Runs {@code warmup} untimed and {@code steps} timed steps.
     *
     * @param batch  sequences per step
     * @param length tokens per sequence
     */
    static Timing run(ModelConfig config, int batch, int length, int warmup, int steps, long seed) {
        try (PolicyModel model = PolicyModel.initialize(config, seed);
                NDManager manager = model.manager().newSubManager();
                SequenceBatch sequences = randomBatch(manager, config, batch, length, seed);
                AdamW optimizer = new AdamW(AdamW.Options.defaults(1e-4))) {
            model.setTrainable(true);
            double loss = Double.NaN;
            for (int i = 0; i < warmup; i++) {
                loss = step(model, sequences, optimizer);
            }
            double best = Double.POSITIVE_INFINITY;
            for (int i = 0; i < steps; i++) {
                long start = System.nanoTime();
                loss = step(model, sequences, optimizer);
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            return new Timing(best, loss);
        }
    }

    private static double step(PolicyModel model, SequenceBatch sequences, AdamW optimizer) {
        double value;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector();
                NDArray loss = SftLoss.compute(model, sequences)) {
            collector.backward(loss);
            value = loss.getFloat();
        }
        optimizer.step(model);
        return value;
    }

    private static SequenceBatch randomBatch(NDManager manager, ModelConfig config, int batch, int length,
            long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        for (int row = 0; row < batch; row++) {
            prompts.add(new int[] {config.bosTokenId()});
            completions.add(random.ints(length - 1, 0, config.vocabSize()).toArray());
        }
        return new SequenceBatch(manager, prompts, completions, config.eosTokenId(), config.maxPositionEmbeddings());
    }
}
