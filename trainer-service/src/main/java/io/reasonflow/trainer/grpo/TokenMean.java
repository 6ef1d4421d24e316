package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * Token-level mean over the whole batch, DAPO's token-level policy gradient loss (Yu et al. 2025,
 * arXiv 2503.14476): {@code loss = sum_{i,t} l[i,t] / sum_i |o_i|}, so every masked token has the weight
 * {@code 1 / N} with N the masked tokens of the whole batch, whatever the length of its completion.
 * For two completions of 10 and 100 tokens every token weighs 1/110.
 */
public record TokenMean() implements LossAggregation {

    @Override
    public NDArray weights(NDArray mask, BatchTotals totals) {
        NDArray tokens = LossAggregation.scalar(mask, 1.0 / Math.max(1, totals.tokens()));
        return mask.mul(tokens); // [B, T]
    }
}
