package io.reasonflow.trainer.sft;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.training.AdamW;
import io.reasonflow.model.training.SequenceBatch;
import io.reasonflow.model.training.SftLoss;
import io.reasonflow.model.training.WarmupCosineSchedule;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.trainer.TrainerProperties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Cold-start SFT: cross-entropy on the reference completion's tokens only, never the prompt's.
 * Batches are drawn from a seeded shuffle of the examples, and a completion that would run past the
 * model's position limit is cut at the limit. The learning rate warms up linearly over the first 5% of
 * the steps, then decays along a cosine to 10% of its peak.
 */
public class SftTrainer {

    /** Receives the loss of every step. */
    public interface StepListener {
        void onStep(int step, double loss);
    }

    private final PolicyModel model;
    private final Tokenizer tokenizer;
    private final TrainerProperties.Sft settings;
    private final Random random;

    public SftTrainer(PolicyModel model, Tokenizer tokenizer, TrainerProperties.Sft settings, long seed) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.random = new Random(seed);
    }

    /** Runs the configured number of steps and returns the last step's loss (NaN when there were none). */
    public double train(List<SftPair> pairs, StepListener listener) {
        if (settings.steps() == 0) {
            return Double.NaN;
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cold-start SFT needs reference completions, but the task has none");
        }
        for (SftPair pair : pairs) {
            if (pair.completionIds().length == 0) {
                throw new IllegalArgumentException("SFT example " + pair.id() + " has no completion tokens, so its "
                        + "loss mask is empty; give every example a non-empty completion");
            }
        }
        int maxLength = model.config().maxPositionEmbeddings();
        List<SftPair> order = new ArrayList<>(pairs);
        int cursor = order.size();
        double loss = Double.NaN;
        model.setTrainable(true);
        try (AdamW optimizer = new AdamW(AdamW.Options.defaults(settings.learningRate()))) {
            for (int step = 1; step <= settings.steps(); step++) {
                List<int[]> prompts = new ArrayList<>(settings.batchSize());
                List<int[]> completions = new ArrayList<>(settings.batchSize());
                for (int i = 0; i < settings.batchSize(); i++) {
                    if (cursor == order.size()) {
                        java.util.Collections.shuffle(order, random);
                        cursor = 0;
                    }
                    SftPair pair = order.get(cursor++);
                    prompts.add(pair.promptIds());
                    completions.add(fitted(pair, maxLength));
                }
                optimizer.setLearningRate(learningRate(step));
                loss = step(optimizer, prompts, completions, maxLength);
                listener.onStep(step, loss);
            }
        }
        return loss;
    }

    private double step(AdamW optimizer, List<int[]> prompts, List<int[]> completions, int maxLength) {
        try (NDManager scope = model.manager().newSubManager();
                SequenceBatch batch = new SequenceBatch(scope, prompts, completions, tokenizer.padId(), maxLength)) {
            double value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = SftLoss.compute(model, batch);
                collector.backward(loss);
                value = loss.getFloat();
            }
            optimizer.step(model);
            return value;
        }
    }

    /** Learning rate of a 1-based step: linear warm-up, then cosine decay from the peak to 10% of it. */
    double learningRate(int step) {
        int warmup = Math.max(1, settings.steps() / 20);
        return new WarmupCosineSchedule(settings.learningRate(), warmup, settings.steps(), 0.1).rate(step);
    }

    private static int[] fitted(SftPair pair, int maxLength) {
        int room = maxLength - pair.promptIds().length;
        if (room < 1) {
            throw new IllegalArgumentException("SFT example " + pair.id() + ": prompt of " + pair.promptIds().length
                    + " tokens leaves no room for a completion within max_position_embeddings " + maxLength);
        }
        int[] completion = pair.completionIds();
        return completion.length <= room ? completion : Arrays.copyOf(completion, room);
    }
}
