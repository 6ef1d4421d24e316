package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;

/** Root-mean-square layer normalization over the last axis. */
final class RmsNorm {
    private RmsNorm() {
    }

    /**
     * Normalizes {@code x} [..., D] by its root mean square and scales by {@code weight} [D].
     *
     * <p>y = x / sqrt(mean(x^2) + eps) * weight
     *
     * @param eps 0-d array holding rms_norm_eps
     */
    static NDArray apply(NDArray x, NDArray weight, NDArray eps) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true); // [..., 1]
        NDArray rms = meanSquare.add(eps).sqrt(); // [..., 1]
        return x.div(rms).mul(weight); // [..., D]
    }
}
