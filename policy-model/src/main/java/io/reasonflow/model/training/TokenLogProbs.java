package io.reasonflow.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.reasonflow.model.transformer.PolicyModel;

/**
 * Per-token log-probabilities of a batch's own next tokens and the entropy of each next-token distribution.
 *
 * <p>Dimensions: B batch, T padded length, V vocabulary. Position t of a [B,T-1] result belongs to the prediction of
 * token t+1, so it lines up with {@link SequenceBatch#completionMask()}; only masked positions are meaningful.
 */
public final class TokenLogProbs {
    private TokenLogProbs() {
    }

    /**
     * Log-probs and entropies of one forward pass, both float32 [B,T-1] attached to the batch's manager; closing
     * this closes both.
     *
     * @param logProbs log p(token t+1 | tokens 0..t)
     * @param entropy  entropy in nats of the distribution over token t+1
     */
    public record Scores(NDArray logProbs, NDArray entropy) implements AutoCloseable {
        @Override
        public void close() {
            logProbs.close();
            entropy.close();
        }
    }

    /**
     * Computes log p(token t+1 | tokens 0..t) for every position t of the batch.
     *
     * <p>logProbs[b, t] = log_softmax(logits[b, t] * inverseTemperature)[inputIds[b, t + 1]]
     *
     * <p>Differentiable under a {@code GradientCollector}.
     *
     * @param inverseTemperature long-lived 0-d float32 array, for example from {@link Scalars#of(float)}; use 1
     *                           for the model's own distribution and 1 / t to match sampling at temperature t
     * @return float32 [B,T-1], attached to the batch's manager
     */
    public static NDArray compute(PolicyModel model, SequenceBatch batch, NDArray inverseTemperature) {
        try (NDScope scope = new NDScope();
                NDArray logits = model.forward(batch.inputIds(), batch.attentionMask())) { // [B,T,V]
            NDArray logProbs = nextTokenLogProbs(logits, batch, inverseTemperature); // [B,T-1,V]
            NDArray picked = pick(logProbs, batch); // [B,T-1]
            NDScope.unregister(picked);
            return picked;
        }
    }

    /**
     * Computes the log-probs of {@link #compute} and, from the same forward pass, the entropy of each
     * temperature-scaled next-token distribution.
     *
     * <p>entropy[b, t] = -sum_v p[b, t, v] * log p[b, t, v], with log p = log_softmax(logits[b, t] *
     * inverseTemperature)
     *
     * <p>Both are differentiable under a {@code GradientCollector}: the computation uses engine arrays only, so an
     * entropy bonus can be added to a loss.
     *
     * @param inverseTemperature long-lived 0-d float32 array, as for {@link #compute}
     */
    public static Scores computeWithEntropy(PolicyModel model, SequenceBatch batch, NDArray inverseTemperature) {
        try (NDScope scope = new NDScope();
                NDArray logits = model.forward(batch.inputIds(), batch.attentionMask())) { // [B,T,V]
            NDArray logProbs = nextTokenLogProbs(logits, batch, inverseTemperature); // [B,T-1,V]
            NDArray picked = pick(logProbs, batch); // [B,T-1]
            NDArray entropy = logProbs.exp().mul(logProbs).sum(new int[] {-1}).neg(); // [B,T-1]
            NDScope.unregister(picked, entropy);
            return new Scores(picked, entropy);
        }
    }

    /** Returns log_softmax(logits * inverseTemperature) at every position but the last: [B,T-1,V]. */
    private static NDArray nextTokenLogProbs(NDArray logits, SequenceBatch batch, NDArray inverseTemperature) {
        long time = batch.length();
        NDArray predicting = logits.get(new NDIndex().addAllDim().addSliceDim(0, time - 1)); // [B,T-1,V]
        return predicting.mul(inverseTemperature).logSoftmax(-1); // [B,T-1,V]
    }

    /** Picks the log-prob of each next token: [B,T-1]. */
    private static NDArray pick(NDArray logProbs, SequenceBatch batch) {
        NDArray targets = batch.inputIds().get(new NDIndex().addAllDim().addSliceDim(1, batch.length())); // [B,T-1]
        return logProbs.gather(targets.expandDims(-1), -1).squeeze(-1); // [B,T-1]
    }
}
