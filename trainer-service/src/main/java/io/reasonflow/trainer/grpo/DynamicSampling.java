package io.reasonflow.trainer.grpo;

import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.trainer.TrainerProperties;

/**
 * Dynamic sampling of DAPO (Yu et al. 2025, arXiv 2503.14476). A group whose scored rewards are
 * all equal (or that has fewer than two scored completions) has advantage 0 for every completion, so
 * it adds no policy gradient, only the KL term. Such a group is dropped, and the trainer samples
 * replacements until the batch is full of groups with a learning signal.
 *
 * <p>When every group agrees (the policy solves every prompt, or none), dropping alone would never
 * fill the batch. After {@code maxSkips} groups dropped in a row, the next group is kept whatever
 * its rewards, so the run still advances; the zero-variance share in the step metrics shows it.
 * Called from the training thread only.
 */
public final class DynamicSampling {
    private final boolean enabled;
    private final int maxSkips;
    private int skippedInARow;

    /**
     * @param enabled  whether zero-variance groups are dropped at all
     * @param maxSkips most groups dropped in a row before the next one is kept, >= 1
     */
    public DynamicSampling(boolean enabled, int maxSkips) {
        if (maxSkips < 1) {
            throw new IllegalArgumentException("maxSkips is " + maxSkips + ", expected >= 1");
        }
        this.enabled = enabled;
        this.maxSkips = maxSkips;
    }

    /** Returns the dynamic sampling of {@code dynamic-sampling} and {@code dynamic-sampling-max-skips}. */
    public static DynamicSampling of(TrainerProperties.Grpo grpo) {
        return new DynamicSampling(grpo.dynamicSampling(), grpo.dynamicSamplingMaxSkips());
    }

    /** Returns whether {@code group}'s rewards give at least one non-zero advantage. */
    public static boolean hasSignal(ScoredGroup group) {
        return GroupAdvantages.hasSignal(group.scores().stream().map(CompletionScore::total).toArray(Double[]::new));
    }

    /** Returns whether {@code group} goes into the batch; false means it is dropped and must be counted as filtered. */
    public boolean keep(ScoredGroup group) {
        if (!enabled || hasSignal(group) || skippedInARow >= maxSkips) {
            skippedInARow = 0;
            return true;
        }
        skippedInARow++;
        return false;
    }

    /** Returns how many groups were dropped in a row since the last kept one, for a checkpoint. */
    public int skippedInARow() {
        return skippedInARow;
    }

    /** Continues from a checkpoint's count of groups dropped in a row. */
    public void restoreSkippedInARow(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count of groups dropped in a row is " + count + ", expected >= 0");
        }
        skippedInARow = count;
    }
}
