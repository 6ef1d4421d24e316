package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;

/** Linear projection with a Hugging Face weight of shape [out, in] and an optional bias [out]. */
final class Linear {
    private Linear() {
    }

    /**
     * Returns x W^T + b: x [..., in], weight [out, in], bias [out] or null, result [..., out].
     *
     * <p>One fused engine call ({@code torch.nn.functional.linear}), which reads W transposed in place.
     */
    static NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /** Returns x W^T for a projection without bias. */
    static NDArray apply(NDArray x, NDArray weight) {
        return apply(x, weight, null);
    }
}
