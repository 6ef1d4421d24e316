package io.reasonflow.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.tensor.OwnedArrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cache of long-lived 0-d float32 arrays for NDArray arithmetic.
 *
 * <p>With the PyTorch engine, {@code array.mul(2f)} wraps the number in a tensor whose memory belongs to a Java
 * buffer that is released when the temporary is closed and garbage-collected. Autograd may still read that
 * tensor during backward, which then yields wrong gradients. Code that can run under a
 * {@code GradientCollector} therefore multiplies by arrays from this cache, which live as long as the manager
 * and are copied into engine-owned memory.
 */
public final class Scalars implements AutoCloseable {
    private final NDManager manager;
    private final Map<Integer, NDArray> cache = new ConcurrentHashMap<>();

    /** Creates a cache whose arrays live on a sub-manager of {@code parent}. */
    public Scalars(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /** Returns the cached 0-d float32 array holding {@code value}, creating it on first use. */
    public NDArray of(float value) {
        return cache.computeIfAbsent(Float.floatToIntBits(value), bits -> create(value));
    }

    private NDArray create(float value) {
        return OwnedArrays.keep(OwnedArrays.of(manager, new float[] {value}, new Shape()));
    }

    @Override
    public void close() {
        cache.clear();
        manager.close();
    }
}
