package io.reasonflow.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.tensor.GradMode;

/**
 * Measures the float32 matrix-multiply throughput of the engine: the best FLOP/s over square products of a few
 * sizes, each repeated, which serves as the attainable peak in a model FLOPs utilization.
 */
final class MatmulPeak {
    private MatmulPeak() {
    }

    /**
     * Returns the highest FLOP/s observed.
     *
     * <p>flops(n) = 2 n^3 per product of two n x n matrices
     *
     * @param sizes   matrix sizes n to try
     * @param repeats timed products per size, after one untimed warm-up product
     */
    static double measure(NDManager parent, int[] sizes, int repeats) {
        double best = 0;
        try (GradMode.Scope noGrad = GradMode.disabled(); NDManager manager = parent.newSubManager()) {
            for (int n : sizes) {
                NDArray a = manager.randomNormal(new Shape(n, n)); // [n,n]
                NDArray b = manager.randomNormal(new Shape(n, n)); // [n,n]
                a.matMul(b).close();
                for (int i = 0; i < repeats; i++) {
                    long start = System.nanoTime();
                    NDArray product = a.matMul(b); // [n,n]
                    // Reading one element waits for the product, whatever the engine's execution model.
                    product.getFloat(0, 0);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    product.close();
                    best = Math.max(best, 2.0 * n * n * n / seconds);
                }
                a.close();
                b.close();
            }
        }
        return best;
    }
}
