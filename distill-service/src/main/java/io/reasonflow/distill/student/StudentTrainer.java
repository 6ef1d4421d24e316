package io.reasonflow.distill.student;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.reasonflow.distill.DistillProperties;
import io.reasonflow.model.tensor.GradMode;
import io.reasonflow.model.training.AdamW;
import io.reasonflow.model.training.SequenceBatch;
import io.reasonflow.model.training.WarmupCosineSchedule;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Trains the student on the kept traces with {@link DistillLoss}: cross-entropy on the completion tokens only,
 * never the prompt's, plus the teacher's token distributions when the KL weight is above 0. Batches are drawn
 * from a seeded shuffle of the examples. The learning rate warms up linearly over the first 5% of the steps, then
 * decays along a cosine to 10% of its peak, as in the trainer's cold-start SFT. Each step runs in its own
 * sub-manager and {@link NDScope}, so nothing of a step outlives it.
 */
public class StudentTrainer {

    /**
     * The figures of one optimizer step.
     *
     * @param loss         the loss that was minimised
     * @param crossEntropy its cross-entropy term
     * @param kl           its KL term before weighting, 0 without a teacher
     * @param tokens       completion tokens trained on
     * @param learningRate the step's learning rate
     * @param gradientNorm global gradient norm before clipping
     */
    public record StepFigures(int step, double loss, double crossEntropy, double kl, long tokens, double learningRate,
            double gradientNorm) {
    }

    /** Receives the figures of every step. */
    public interface StepListener {
        void onStep(StepFigures figures);
    }

    private final PolicyModel student;
    private final PolicyModel teacher;
    private final int padId;
    private final DistillProperties.Training settings;
    private final Random random;

    /**
     * @param teacher the teacher, or null when the KL weight is 0
     * @param padId   token id written into the left padding
     */
    public StudentTrainer(PolicyModel student, PolicyModel teacher, int padId, DistillProperties.Training settings,
            long seed) {
        if (settings.klWeight() > 0 && teacher == null) {
            throw new IllegalArgumentException("KL weight " + settings.klWeight() + " needs the teacher's logits, but "
                    + "no teacher was given");
        }
        this.student = student;
        this.teacher = teacher;
        this.padId = padId;
        this.settings = settings;
        this.random = new Random(seed);
    }

    /**
     * Runs the configured number of steps and returns the last step's figures.
     *
     * @throws IllegalArgumentException naming the first example whose completion is empty (its loss mask would be
     *                                  empty), whose prompt is empty, or that does not fit the position limit
     */
    public StepFigures train(List<DistillExample> examples, StepListener listener) {
        int maxLength = student.config().maxPositionEmbeddings();
        validate(examples, maxLength);
        List<DistillExample> order = new ArrayList<>(examples);
        int cursor = order.size();
        StepFigures last = null;
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(settings.learningRate(),
                Math.max(1, settings.steps() / 20), settings.steps(), 0.1);
        student.setTrainable(true);
        try (AdamW optimizer = new AdamW(AdamW.Options.defaults(settings.learningRate()));
                DistillLoss loss = new DistillLoss(student.manager(), settings.klWeight(), settings.klTemperature())) {
            for (int step = 1; step <= settings.steps(); step++) {
                List<int[]> prompts = new ArrayList<>(settings.batchSize());
                List<int[]> completions = new ArrayList<>(settings.batchSize());
                for (int i = 0; i < settings.batchSize(); i++) {
                    if (cursor == order.size()) {
                        Collections.shuffle(order, random);
                        cursor = 0;
                    }
                    DistillExample example = order.get(cursor++);
                    prompts.add(example.promptIds());
                    completions.add(example.completionIds());
                }
                optimizer.setLearningRate(schedule.rate(step));
                last = step(step, optimizer, loss, prompts, completions, maxLength);
                listener.onStep(last);
            }
        } finally {
            student.setTrainable(false);
        }
        return last;
    }

    private StepFigures step(int step, AdamW optimizer, DistillLoss loss, List<int[]> prompts,
            List<int[]> completions, int maxLength) {
        try (NDManager scope = student.manager().newSubManager();
                SequenceBatch batch = new SequenceBatch(scope, prompts, completions, padId, maxLength);
                NDScope arrays = new NDScope()) {
            NDArray teacherLogits = null;
            if (loss.usesTeacher()) {
                try (GradMode.Scope noGrad = GradMode.disabled()) {
                    teacherLogits = teacher.forward(batch.inputIds(), batch.attentionMask()); // [B,T,V]
                }
            }
            DistillLoss.Result result;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray studentLogits = student.forward(batch.inputIds(), batch.attentionMask()); // [B,T,V]
                result = loss.compute(studentLogits, teacherLogits, batch.inputIds(), batch.completionMask());
                collector.backward(result.loss());
            }
            double lossValue = result.loss().getFloat();
            AdamW.StepResult update = optimizer.step(student);
            return new StepFigures(step, lossValue, result.crossEntropy(), result.kl(), result.tokens(),
                    optimizer.learningRate(), update.gradientNorm());
        }
    }

    private static void validate(List<DistillExample> examples, int maxLength) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("the student needs traces to train on, but none was given");
        }
        for (DistillExample example : examples) {
            if (example.completionIds().length == 0) {
                throw new IllegalArgumentException("example " + example.id() + " has no completion tokens, so its "
                        + "loss mask is empty; give every example a non-empty completion");
            }
            if (example.promptIds().length == 0) {
                throw new IllegalArgumentException("example " + example.id() + " has an empty prompt; a prompt contains "
                        + "at least the BOS token");
            }
            int length = example.promptIds().length + example.completionIds().length;
            if (length > maxLength) {
                throw new IllegalArgumentException("example " + example.id() + " has " + length + " tokens (prompt "
                        + example.promptIds().length + " + completion " + example.completionIds().length + "), more "
                        + "than the student's max_position_embeddings " + maxLength + "; lower the selection's "
                        + "max-completion-tokens");
            }
        }
    }
}
