package io.reasonflow.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.reasonflow.model.transformer.PolicyModel;

/** Per-token log-probabilities of a batch's own next tokens. */
public final class TokenLogProbs {
    private TokenLogProbs() {
    }

    /**
     * Computes log p(token t+1 | tokens 0..t) for every position t of the batch.
     *
     * <p>logProbs[b, t] = log_softmax(logits[b, t] * inverseTemperature)[inputIds[b, t + 1]]
     *
     * <p>Differentiable under a {@code GradientCollector}. Only the positions set in
     * {@link SequenceBatch#completionMask()} are meaningful. The others are prompt and padding positions.
     *
     * @param inverseTemperature long-lived 0-d float32 array, for example from {@link Scalars#of(float)}; use 1
     *                           for the model's own distribution and 1 / t to match sampling at temperature t
     * @return float32 [B,T-1], attached to the batch's manager
     */
    public static NDArray compute(PolicyModel model, SequenceBatch batch, NDArray inverseTemperature) {
        long time = batch.length();
        try (NDScope scope = new NDScope();
                NDArray logits = model.forward(batch.inputIds(), batch.attentionMask())) { // [B,T,V]
            NDArray predicting = logits.get(new NDIndex().addAllDim().addSliceDim(0, time - 1)); // [B,T-1,V]
            NDArray logProbs = predicting.mul(inverseTemperature).logSoftmax(-1); // [B,T-1,V]
            NDArray targets = batch.inputIds().get(new NDIndex().addAllDim().addSliceDim(1, time)); // [B,T-1]
            NDArray picked = logProbs.gather(targets.expandDims(-1), -1).squeeze(-1); // [B,T-1]
            NDScope.unregister(picked);
            return picked;
        }
    }
}
