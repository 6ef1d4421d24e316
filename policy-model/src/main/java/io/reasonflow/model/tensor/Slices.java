package io.reasonflow.model.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Reads and writes a range along one axis with a single engine call each. {@code NDArray.get} and {@code set}
 * with an {@code NDIndex} build the index in several native calls, which a decoding step that touches every
 * layer's KV cache pays many times over.
 */
public final class Slices {
    private Slices() {
    }

    /** Returns a view of {@code array} restricted to {@code [start, end)} along {@code axis}. */
    public static NDArray view(NDArray array, int axis, long start, long end) {
        long[][] bounds = bounds(array, axis, start, end);
        PtNDArray engineArray = (PtNDArray) array;
        return JniUtils.index(engineArray, bounds[0], bounds[1], bounds[2], (PtNDManager) array.getManager());
    }

    /**
     * Copies {@code value} into {@code target} at {@code [start, start + n)} along {@code axis}, where n is the size
     * of {@code value} along that axis and every other dimension matches.
     */
    public static void write(NDArray target, int axis, long start, NDArray value) {
        long[][] bounds = bounds(target, axis, start, start + value.getShape().get(axis));
        JniUtils.indexSet((PtNDArray) target, (PtNDArray) value, bounds[0], bounds[1], bounds[2]);
    }

    /** Returns the minimum, maximum and step per dimension of the full array but {@code [start, end)} on axis. */
    private static long[][] bounds(NDArray array, int axis, long start, long end) {
        long[] shape = array.getShape().getShape();
        long[] min = new long[shape.length];
        long[] max = shape.clone();
        long[] step = new long[shape.length];
        java.util.Arrays.fill(step, 1);
        min[axis] = start;
        max[axis] = end;
        return new long[][] {min, max, step};
    }
}
