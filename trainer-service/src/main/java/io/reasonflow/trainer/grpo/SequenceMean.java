package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * Per-sequence mean, then mean over sequences, as in GRPO (DeepSeekMath, arXiv 2402.03300,
 * section 4.1): {@code loss = (1/G) * sum_i (1/|o_i|) * sum_t l[i,t]}, so
 * {@code w[i,t] = 1 / (|o_i| * G)}.
 *
 * <p>{@code |o_i|} is the number of masked tokens of completion i, and {@code G} the number of
 * completions of the whole batch with at least one such token: a fully masked completion (padding
 * row, masked truncation) is left out of the mean over sequences instead of pulling it towards 0.
 * With groups of equal size the mean over sequences is the mean of the group means. For two
 * completions of 10 and 100 tokens the weights are 0.05 and 0.005: every token of a short
 * completion weighs more, the length bias Dr. GRPO (arXiv 2503.20783) points out.
 */
public record SequenceMean() implements LossAggregation {

    @Override
    public NDArray weights(NDArray mask, BatchTotals totals) {
        NDArray one = LossAggregation.scalar(mask, 1.0);
        NDArray sequences = LossAggregation.scalar(mask, 1.0 / Math.max(1, totals.nonEmptySequences()));
        NDArray rowTokens = mask.sum(new int[] {1}, true).maximum(one); // [B, 1]
        return mask.div(rowTokens).mul(sequences); // [B, T]
    }
}
