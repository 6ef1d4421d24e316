package io.reasonflow.model.safetensors;

import java.util.Arrays;

/**
 * A named float32 tensor as stored in a safetensors file.
 *
 * @param name  tensor name, for example {@code model.norm.weight}
 * @param shape dimensions, outermost first
 * @param data  values in row-major order; {@code data.length} is the product of {@code shape}
 */
public record Tensor(String name, long[] shape, float[] data) {

    public Tensor {
        long elements = elementCount(shape);
        if (elements != data.length) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape) + " ("
                    + elements + " elements) but " + data.length + " values");
        }
    }

    /** Returns the product of the dimensions, rejecting negative ones. */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dimension);
        }
        return count;
    }
}
