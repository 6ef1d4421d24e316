package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * Sum over tokens divided by a constant, as in Dr. GRPO (Liu et al. 2025, arXiv 2503.20783):
 * {@code loss = sum_{i,t} l[i,t] / (B * L)}, with B the completions of the whole batch
 * (masked-out ones included) and L the configured maximum completion length, so every masked token
 * has the weight {@code 1 / (B * L)}. Neither the length of a completion nor the number of tokens in
 * the batch changes a token's weight, which removes the length bias of {@link SequenceMean}. For
 * two completions every token weighs {@code 1 / (2 * L)}.
 *
 * @param maxCompletionLength L, the maximum completion length the rollouts were sampled with, >= 1
 */
public record ConstantNormaliser(int maxCompletionLength) implements LossAggregation {

    /** Rejects a length below 1. */
    public ConstantNormaliser {
        if (maxCompletionLength < 1) {
            throw new IllegalArgumentException("maxCompletionLength must be >= 1, got " + maxCompletionLength);
        }
    }

    @Override
    public NDArray weights(NDArray mask, BatchTotals totals) {
        double normaliser = (double) Math.max(1, totals.sequences()) * maxCompletionLength;
        return mask.mul(LossAggregation.scalar(mask, 1.0 / normaliser)); // [B, T]
    }
}
