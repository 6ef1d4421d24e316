package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * Reduction of per-token losses {@code l[i,t]} of shape [B, T] to one scalar, using the completion
 * mask {@code m[i,t]} (1 for completion tokens, 0 elsewhere).
 *
 * <p>Denominators are clamped to at least 1 with {@code maximum(count, one)}: an all-zero mask then
 * gives a loss of exactly 0 and a zero gradient instead of 0/0 = NaN, which would poison the
 * optimizer state. The clamp never changes a non-empty count, because counts are whole numbers.
 */
public enum LossAggregation {

    /**
     * GRPO as in DeepSeekMath (arXiv 2402.03300, section 4.1):
     * {@code (1/G') * sum_i (1/|o_i|) * sum_t m[i,t] * l[i,t]}, where {@code |o_i|} is the number of
     * completion tokens of row i and {@code G'} the number of rows with at least one such token.
     * Rows without completion tokens (padding rows) are left out of the mean over sequences.
     */
    SEQUENCE_MEAN {
        @Override
        public NDArray aggregate(NDArray perToken, NDArray mask, NDArray one) {
            NDArray tokenCounts = mask.sum(new int[] {1});
            NDArray sequenceMeans = perToken.mul(mask).sum(new int[] {1})
                    .div(tokenCounts.maximum(one));
            // min(count, 1) is 1 for a row with tokens and 0 for an empty row.
            NDArray nonEmptyRows = tokenCounts.minimum(one).sum();
            return sequenceMeans.sum().div(nonEmptyRows.maximum(one));
        }
    },

    /**
     * Token-level mean as in DAPO (arXiv 2503.14476):
     * {@code sum_{i,t} m[i,t] * l[i,t] / sum_{i,t} m[i,t]}, so every completion token weighs the
     * same whatever the length of its sequence.
     */
    TOKEN_MEAN {
        @Override
        public NDArray aggregate(NDArray perToken, NDArray mask, NDArray one) {
            return perToken.mul(mask).sum().div(mask.sum().maximum(one));
        }
    };

    /**
     * Reduces {@code perToken} to a 0-d array that keeps the autograd graph of {@code perToken}.
     *
     * @param perToken per-token values [B, T], finite even where {@code mask} is 0
     * @param mask float mask [B, T] with 1 for completion tokens and 0 elsewhere
     * @param one long-lived 0-d array with value 1 in the dtype of {@code mask}, passed in
     *     because a Java number would become a short-lived tensor that backward may still read
     */
    public abstract NDArray aggregate(NDArray perToken, NDArray mask, NDArray one);
}
