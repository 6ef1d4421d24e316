package io.reasonflow.trainer.grpo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.tensor.GradMode;
import io.reasonflow.model.tensor.OwnedArrays;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.training.AdamW;
import io.reasonflow.model.training.SequenceBatch;
import io.reasonflow.model.training.TokenLogProbs;
import io.reasonflow.model.training.WarmupCosineSchedule;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.trainer.TrainerProperties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * One GRPO step over a batch of scored groups.
 *
 * <ol>
 *   <li>Advantages of the weighted total reward, group-relative by group id ({@link GroupAdvantages}).</li>
 *   <li>Before any optimizer step and without gradient, the log-probs of every completion under the KL
 *       reference and, for the decoupled objective, those of the stale completions under the proximal policy
 *       (the policy as it is at the start of the step). With a single optimizer step per step, the forward
 *       passes with gradient run on the proximal policy itself, so their detached log-probs are used and no
 *       extra pass runs.</li>
 *   <li>mu passes over the batch. Each pass splits the completions (in a seeded order) into minibatches, and
 *       each minibatch is one AdamW step at the scheduled learning rate. A minibatch runs forward and backward
 *       in micro-batches whose gradients accumulate; the loss divisors are counted over the whole minibatch,
 *       so the split into micro-batches does not change the result.</li>
 *   <li>After every {@code reference-reset-steps} steps the KL reference becomes a copy of the policy.</li>
 * </ol>
 *
 * <p>Log-probs are taken at the sampling temperature (logits divided by T), the distribution the behaviour
 * log-probs come from. A completion's mask ends at its first end-of-sequence token, found by position, so
 * padding after it never trains, even when the padding id is an end-of-sequence id.
 */
public class GrpoUpdate implements AutoCloseable {
    private final PolicyModel policy;
    private final PolicyModel reference;
    private final Tokenizer tokenizer;
    private final TrainerProperties.Grpo settings;
    private final long seed;
    private final GrpoLoss loss;
    private final GroupAdvantages advantages;
    private final WarmupCosineSchedule schedule;
    private final AdamW optimizer;
    private int completedSteps;

    /**
     * Creates the update. {@code reference} is the KL reference; it is changed in place when the reference is
     * reset.
     *
     * @param seed seed of the minibatch order; each step and pass derives its own from it
     */
    public GrpoUpdate(PolicyModel policy, PolicyModel reference, Tokenizer tokenizer, TrainerProperties.Grpo settings,
            long seed) {
        this.policy = policy;
        this.reference = reference;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.seed = seed;
        this.loss = new GrpoLoss(policy.manager(), GrpoSettings.loss(settings));
        this.advantages = GrpoSettings.advantages(settings);
        this.schedule = GrpoSettings.schedule(settings);
        this.optimizer = new AdamW(GrpoSettings.optimizer(settings));
        policy.setTrainable(true);
    }

    /** Returns the optimizer, whose moments a checkpoint saves. */
    public AdamW optimizer() {
        return optimizer;
    }

    /** Returns the KL reference policy, which a checkpoint saves when it is reset during the run. */
    public PolicyModel reference() {
        return reference;
    }

    /** Returns the number of GRPO steps taken, which positions the learning-rate schedule and the reference resets. */
    public int completedSteps() {
        return completedSteps;
    }

    /** Continues a resumed run after {@code steps} completed GRPO steps. */
    public void resumeAfter(int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("completed steps is " + steps + ", expected >= 0");
        }
        this.completedSteps = steps;
    }

    /**
     * Runs one GRPO step on {@code groups}.
     *
     * @param currentVersion policy version the step starts from; groups sampled by older versions are stale
     */
    public GrpoStepStats step(List<ScoredGroup> groups, long currentVersion) {
        Prepared prepared = prepare(RolloutBatch.of(groups, tokenizer, currentVersion, advantages));
        RolloutBatch batch = prepared.batch();
        int minibatchSize = settings.minibatchSize() == 0 ? batch.size() : settings.minibatchSize();
        StepAccumulator accumulator = new StepAccumulator();
        int scheduled = completedSteps * settings.optimizerStepsPerStep();
        for (int pass = 0; pass < settings.mu(); pass++) {
            int[] order = order(batch.size(), minibatchSize, pass);
            for (int start = 0; start < order.length; start += minibatchSize) {
                int[] rows = Arrays.copyOfRange(order, start, Math.min(order.length, start + minibatchSize));
                double rate = schedule.rate(++scheduled);
                accumulator.scheduled(rate);
                BatchTotals totals = prepared.totals(rows);
                if (totals.tokens() == 0) {
                    // Every completion is masked: the loss is 0 and a step would only apply weight decay.
                    continue;
                }
                optimizer.setLearningRate(rate);
                backward(prepared, rows, totals, accumulator);
                AdamW.StepResult result = optimizer.step(policy);
                accumulator.optimizerStep(result.gradientNorm());
            }
        }
        completedSteps++;
        boolean reset = settings.referenceResetSteps() > 0 && completedSteps % settings.referenceResetSteps() == 0;
        if (reset) {
            reference.loadStateFrom(policy);
        }
        int stale = (int) IntStream.range(0, batch.size()).filter(i -> batch.row(i).stale()).count();
        return accumulator.stats(batch.size(), Arrays.stream(prepared.maskedLengths()).sum(), stale, reset);
    }

    /**
     * Inputs that every pass of a step reads: the rows, the number of tokens of each row in the loss mask, and
     * the log-probs of each row under the reference and the proximal policy (null for the standard objective).
     */
    record Prepared(RolloutBatch batch, int[] maskedLengths, List<float[]> reference, List<float[]> proximal,
            boolean proximalIsPolicy) {

        /** Returns the loss divisors of a minibatch of {@code rows}. */
        BatchTotals totals(int[] rows) {
            int[] lengths = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                lengths[i] = maskedLengths[rows[i]];
            }
            return BatchTotals.ofLengths(lengths);
        }
    }

    /**
     * Computes, before any optimizer step of the step, the reference log-probs of every row and, for the
     * decoupled objective, the proximal log-probs.
     */
    Prepared prepare(RolloutBatch batch) {
        int[] maskedLengths = batch.maskedLengths(tokenizer.eosIds(), settings.maskTruncated());
        List<float[]> referenceLogProbs = logProbsWithoutGradient(reference, batch,
                IntStream.range(0, batch.size()).toArray());
        boolean decoupled = settings.decoupled() && batch.hasStale();
        boolean proximalIsPolicy = decoupled && settings.optimizerStepsPerStep() == 1;
        List<float[]> proximal = decoupled && !proximalIsPolicy ? proximalLogProbs(batch) : null;
        return new Prepared(batch, maskedLengths, referenceLogProbs, proximal, proximalIsPolicy);
    }

    /**
     * Runs forward and backward over {@code rows} in micro-batches, leaving the accumulated gradients on the
     * policy's parameters.
     */
    void backward(Prepared prepared, int[] rows, BatchTotals totals, StepAccumulator accumulator) {
        RolloutBatch batch = prepared.batch();
        int microBatchSize = settings.microBatchSize() == 0 ? rows.length : settings.microBatchSize();
        NDArray inverseTemperature = inverseTemperature(batch);
        for (int start = 0; start < rows.length; start += microBatchSize) {
            int[] part = Arrays.copyOfRange(rows, start, Math.min(rows.length, start + microBatchSize));
            try (NDManager scope = policy.manager().newSubManager();
                    SequenceBatch sequences = sequences(batch, scope, part)) {
                NDArray mask = mask(scope, sequences, part, prepared.maskedLengths()); // [b, T-1]
                NDArray behaviour = sequences.alignCompletionValues(scope, batch.behaviour(part)); // [b, T-1]
                NDArray referenceLogProbs = sequences.alignCompletionValues(scope,
                        select(prepared.reference(), part)); // [b, T-1]
                NDArray proximalLogProbs = prepared.proximal() == null
                        ? null : sequences.alignCompletionValues(scope, select(prepared.proximal(), part)); // [b, T-1]
                NDArray advantage = OwnedArrays.of(scope, advantages(batch, part), new Shape(part.length)); // [b]
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    TokenLogProbs.Scores scores = TokenLogProbs.computeWithEntropy(policy, sequences,
                            inverseTemperature);
                    NDArray logProbs = scores.logProbs(); // [b, T-1]
                    accumulator.addEntropy(scores.entropy().mul(mask).sum().getFloat()); // a figure, not a loss term
                    if (prepared.proximalIsPolicy()) {
                        proximalLogProbs = currentAsProximal(scope, batch, part, logProbs, behaviour);
                    }
                    GrpoLossResult result = loss.compute(logProbs, behaviour, proximalLogProbs, referenceLogProbs,
                            advantage, mask, totals);
                    collector.backward(result.loss());
                    accumulator.add(result, result.loss().getFloat());
                }
            }
        }
    }

    /**
     * Returns the proximal log-probs of a micro-batch while the policy has not changed in this step. A stale
     * completion gets its log-probs under the current policy, detached from the graph, and a fresh one its
     * behaviour log-probs, the same values that {@link #proximalLogProbs} computes.
     */
    private static NDArray currentAsProximal(NDManager scope, RolloutBatch batch, int[] rows, NDArray logProbs,
            NDArray behaviour) {
        NDArray current = logProbs.stopGradient();
        float[] stale = new float[rows.length];
        float[] fresh = new float[rows.length];
        boolean allStale = true;
        for (int i = 0; i < rows.length; i++) {
            boolean isStale = batch.row(rows[i]).stale();
            stale[i] = isStale ? 1f : 0f;
            fresh[i] = isStale ? 0f : 1f;
            allStale &= isStale;
        }
        if (allStale) {
            return current;
        }
        Shape column = new Shape(rows.length, 1);
        return current.mul(OwnedArrays.of(scope, stale, column))
                .add(behaviour.mul(OwnedArrays.of(scope, fresh, column)));
    }

    /**
     * Returns the proximal log-probs of every row: for a stale completion its log-probs under the policy as it
     * is now, computed without gradient. A fresh completion keeps its behaviour log-probs, because the policy
     * that sampled it is the proximal policy, so its ratio and importance weight are those of standard GRPO.
     */
    List<float[]> proximalLogProbs(RolloutBatch batch) {
        int[] stale = IntStream.range(0, batch.size()).filter(i -> batch.row(i).stale()).toArray();
        List<float[]> recomputed = logProbsWithoutGradient(policy, batch, stale);
        List<float[]> proximal = new ArrayList<>(batch.behaviour(IntStream.range(0, batch.size()).toArray()));
        for (int i = 0; i < stale.length; i++) {
            proximal.set(stale[i], recomputed.get(i));
        }
        return proximal;
    }

    /** Returns the log-probs of the completions of {@code rows} under {@code model}, one array per row. */
    private List<float[]> logProbsWithoutGradient(PolicyModel model, RolloutBatch batch, int[] rows) {
        List<float[]> values = new ArrayList<>(rows.length);
        int chunk = settings.microBatchSize() == 0 ? Math.max(1, rows.length) : settings.microBatchSize();
        NDArray inverseTemperature = inverseTemperature(batch);
        for (int start = 0; start < rows.length; start += chunk) {
            int[] part = Arrays.copyOfRange(rows, start, Math.min(rows.length, start + chunk));
            try (GradMode.Scope noGrad = GradMode.disabled();
                    NDManager scope = policy.manager().newSubManager();
                    SequenceBatch sequences = sequences(batch, scope, part)) {
                NDArray logProbs = TokenLogProbs.compute(model, sequences, inverseTemperature); // [b, T-1]
                values.addAll(sequences.completionValues(logProbs));
            }
        }
        return values;
    }

    /** Returns 1 / T as a long-lived 0-d array, so that log-probs are those of the sampling distribution. */
    private NDArray inverseTemperature(RolloutBatch batch) {
        return policy.scalars().of((float) (1.0 / batch.temperature()));
    }

    private SequenceBatch sequences(RolloutBatch batch, NDManager scope, int[] rows) {
        return batch.sequences(scope, rows, tokenizer.padId(), policy.config().maxPositionEmbeddings(),
                tokenizer.eosIds());
    }

    /** Returns the batch's completion mask with the rows of masked (truncated) completions cleared: [b, T-1]. */
    private static NDArray mask(NDManager scope, SequenceBatch sequences, int[] rows, int[] maskedLengths) {
        float[] keep = new float[rows.length];
        boolean all = true;
        for (int i = 0; i < rows.length; i++) {
            keep[i] = maskedLengths[rows[i]] == sequences.keptLength(i) ? 1f : 0f;
            all &= keep[i] == 1f;
        }
        if (all) {
            return sequences.completionMask();
        }
        return sequences.completionMask().mul(OwnedArrays.of(scope, keep, new Shape(rows.length, 1)));
    }

    private static float[] advantages(RolloutBatch batch, int[] rows) {
        float[] values = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            values[i] = (float) batch.advantage(rows[i]);
        }
        return values;
    }

    private static List<float[]> select(List<float[]> values, int[] rows) {
        List<float[]> selected = new ArrayList<>(rows.length);
        for (int row : rows) {
            selected.add(values.get(row));
        }
        return selected;
    }

    /**
     * Order of the rows in one pass: the batch order when it is a single minibatch (the order within a
     * minibatch does not change its loss), otherwise a shuffle seeded by the run seed, the step and the pass.
     */
    private int[] order(int size, int minibatchSize, int pass) {
        int[] order = IntStream.range(0, size).toArray();
        if (minibatchSize >= size) {
            return order;
        }
        Random random = new Random(seed * 1_000_003L + (long) completedSteps * 1_009L + pass);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    @Override
    public void close() {
        try (loss; optimizer) {
            // both close, even when the first close fails
        }
    }
}
