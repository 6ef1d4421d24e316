package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.tensor.OwnedArrays;

/**
 * Rotary position embedding in the Hugging Face "rotate_half" layout: dimension i is paired with dimension
 * i + E/2, not with its neighbour.
 */
final class RotaryEmbedding implements AutoCloseable {
    /** cat(f, f) where f[i] = theta^(-2i/E) for i in [0, E/2): [E]. */
    private final NDArray frequencies;
    /** R with x R = rotate_half(x) = cat(-x[E/2:], x[:E/2]): [E,E]. */
    private final NDArray rotateHalf;

    /** Cosines and sines of position * frequency, each [B,1,T,E] so that they broadcast over heads. */
    record Tables(NDArray cos, NDArray sin) {
    }

    RotaryEmbedding(NDManager manager, int headDim, double theta) {
        int half = headDim / 2;
        float[] frequencyData = new float[headDim];
        for (int i = 0; i < half; i++) {
            float frequency = (float) (1.0 / Math.pow(theta, 2.0 * i / headDim));
            frequencyData[i] = frequency;
            frequencyData[i + half] = frequency;
        }
        float[] rotationData = new float[headDim * headDim];
        for (int i = 0; i < half; i++) {
            rotationData[(i + half) * headDim + i] = -1f;
            rotationData[i * headDim + i + half] = 1f;
        }
        this.frequencies = OwnedArrays.keep(OwnedArrays.of(manager, frequencyData, new Shape(headDim)));
        this.rotateHalf = OwnedArrays.keep(OwnedArrays.of(manager, rotationData, new Shape(headDim, headDim)));
    }

    /** Computes the tables for float32 position ids [B,T]. */
    Tables tables(NDArray positions) {
        NDArray angles = positions.expandDims(-1).mul(frequencies).expandDims(1); // [B,1,T,E]
        return new Tables(angles.cos(), angles.sin());
    }

    /**
     * Rotates each head of {@code x} [B,N,T,E] by its position.
     *
     * <p>rope(x) = x * cos(p f) + rotate_half(x) * sin(p f)
     */
    NDArray apply(NDArray x, Tables tables) {
        NDArray rotated = x.matMul(rotateHalf); // [B,N,T,E]
        return x.mul(tables.cos()).add(rotated.mul(tables.sin())); // [B,N,T,E]
    }

    @Override
    public void close() {
        frequencies.close();
        rotateHalf.close();
    }
}
