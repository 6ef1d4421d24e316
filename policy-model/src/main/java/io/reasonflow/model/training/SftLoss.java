package io.reasonflow.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.reasonflow.model.transformer.PolicyModel;

/** Supervised fine-tuning loss: mean cross-entropy over completion tokens, never over prompt or padding. */
public final class SftLoss {
    private SftLoss() {
    }

    /**
     * Computes the loss as a 0-d float32 array attached to the batch's manager.
     *
     * <p>loss = -sum_{b,t} completionMask[b,t] * logProbs[b,t] / max(1, sum completionMask)
     */
    public static NDArray compute(PolicyModel model, SequenceBatch batch) {
        Scalars scalars = model.scalars();
        try (NDScope scope = new NDScope();
                NDArray logProbs = TokenLogProbs.compute(model, batch, scalars.of(1f))) { // [B,T-1]
            NDArray mask = batch.completionMask(); // [B,T-1]
            NDArray total = logProbs.mul(mask).sum(); // []
            NDArray count = mask.sum().maximum(scalars.of(1f)); // []
            NDArray loss = total.neg().div(count); // []
            NDScope.unregister(loss);
            return loss;
        }
    }
}
