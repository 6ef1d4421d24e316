package io.reasonflow.model.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * Creates arrays from Java data in memory owned by the engine.
 *
 * <p>The PyTorch engine's {@code NDManager.create(float[], ...)} wraps a direct Java buffer without copying, and
 * the buffer is freed once the wrapper is closed and garbage-collected. An autograd graph that saved such a
 * tensor then reads freed memory in backward. The copies made here are owned by libtorch and stay valid for as
 * long as any tensor or graph node refers to them.
 *
 * <p>{@link #keep(NDArray)} marks arrays that must outlive any {@link NDScope} open on the current thread, such as
 * parameters and caches.
 */
public final class OwnedArrays {
    private OwnedArrays() {
    }

    public static NDArray of(NDManager manager, float[] data, Shape shape) {
        try (NDArray buffered = manager.create(data, shape)) {
            return buffered.duplicate();
        }
    }

    public static NDArray of(NDManager manager, long[] data, Shape shape) {
        try (NDArray buffered = manager.create(data, shape)) {
            return buffered.duplicate();
        }
    }

    public static NDArray of(NDManager manager, boolean[] data, Shape shape) {
        try (NDArray buffered = manager.create(data, shape)) {
            return buffered.duplicate();
        }
    }

    /** Removes {@code array} from the innermost open {@link NDScope}, so that closing the scope keeps it open. */
    public static NDArray keep(NDArray array) {
        NDScope.unregister(array);
        return array;
    }
}
