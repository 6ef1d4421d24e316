package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;

/** Bias-free linear projection with a Hugging Face weight of shape [out, in]. */
final class Linear {
    private Linear() {
    }

    /** Returns x W^T: x [..., in], weight [out, in], result [..., out]. */
    static NDArray apply(NDArray x, NDArray weight) {
        return x.matMul(weight.transpose());
    }
}
