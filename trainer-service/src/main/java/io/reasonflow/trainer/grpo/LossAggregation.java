package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.tensor.OwnedArrays;

/**
 * Reduction of per-token losses {@code l[i,t]} to the scalar loss of one optimizer step, written as
 * a weight per token: {@code loss = sum_{i,t} w[i,t] * l[i,t]}, with {@code w[i,t] = 0} outside
 * the mask.
 *
 * <p>A weight depends only on its own row and on {@link BatchTotals} of the whole batch, so the
 * weighted sums of the micro-batches of a batch add up to the loss of the whole batch. Every
 * divisor is clamped to at least 1: an all-zero mask then gives weights 0, a loss of exactly 0 and a
 * zero gradient instead of 0 / 0 = NaN. The clamp never changes a non-empty count, because counts
 * are whole numbers.
 */
public interface LossAggregation {

    /**
     * Returns the weight of every token of one micro-batch.
     *
     * @param mask float32 [B, T] with 1 for completion tokens that count and 0 elsewhere; it must
     *     not require a gradient
     * @param totals counts over the whole batch this micro-batch belongs to
     * @return float32 [B, T], on the manager of {@code mask}, outside any autograd graph
     */
    NDArray weights(NDArray mask, BatchTotals totals);

    /**
     * Returns a 0-d float32 array in engine-owned memory. A Java number passed to an NDArray
     * operation would become a tensor backed by a short-lived Java buffer.
     */
    static NDArray scalar(NDArray like, double value) {
        return OwnedArrays.of(like.getManager(), new float[] {(float) value}, new Shape());
    }
}
