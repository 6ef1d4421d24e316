package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** The Llama feed-forward block. */
final class SwiGluMlp {
    private SwiGluMlp() {
    }

    /**
     * Applies the gated MLP to {@code x} [B,T,D].
     *
     * <p>mlp(x) = W_down (silu(W_gate x) * (W_up x)), with silu(g) = g * sigmoid(g)
     */
    static NDArray apply(NDArray x, LayerWeights weights) {
        NDArray gate = Linear.apply(x, weights.gate()); // [B,T,I]
        NDArray up = Linear.apply(x, weights.up()); // [B,T,I]
        NDArray activated = gate.mul(Activation.sigmoid(gate)); // [B,T,I]
        return Linear.apply(activated.mul(up), weights.down()); // [B,T,D]
    }
}
