package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tensor.OwnedArrays;
import io.reasonflow.model.tensor.Slices;

/**
 * Keys and values of every layer for a batch being decoded incrementally, preallocated up to a fixed capacity
 * so that each step writes in place instead of concatenating.
 *
 * <p>Every forward call through the cache appends the same number of columns to all rows. Rows that are padding
 * at a step (a left-padded prompt, or a finished sequence) get a column that no later query attends to.
 * Create one with {@link PolicyModel#newKvCache(int, int)} and close it before the model.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final boolean[] keyIsReal;
    private final int[] realCounts;
    private final int batchSize;
    private final int capacity;
    private int length;

    KvCache(ModelConfig config, NDManager parent, int batchSize, int capacity) {
        if (batchSize < 1 || capacity < 1) {
            throw new IllegalArgumentException("KV cache needs batchSize >= 1 and capacity >= 1, got batchSize "
                    + batchSize + " and capacity " + capacity);
        }
        this.manager = parent.newSubManager();
        this.batchSize = batchSize;
        this.capacity = capacity;
        this.keys = new NDArray[config.numHiddenLayers()];
        this.values = new NDArray[config.numHiddenLayers()];
        Shape shape = new Shape(batchSize, config.numKeyValueHeads(), capacity, config.headDim()); // [B,K,C,E]
        for (int layer = 0; layer < keys.length; layer++) {
            keys[layer] = OwnedArrays.keep(manager.zeros(shape));
            values[layer] = OwnedArrays.keep(manager.zeros(shape));
        }
        this.keyIsReal = new boolean[batchSize * capacity];
        this.realCounts = new int[batchSize];
    }

    public int batchSize() {
        return batchSize;
    }

    /** Returns the maximum number of columns (prompt plus generated tokens) the cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Returns the number of columns written so far, padding included. */
    public int length() {
        return length;
    }

    /** Returns the number of real (non-padding) tokens cached for {@code row}. */
    public int realCount(int row) {
        return realCounts[row];
    }

    boolean isReal(int row, int column) {
        return keyIsReal[row * capacity + column];
    }

    void checkFits(int batch, int newColumns) {
        if (batch != batchSize) {
            throw new IllegalArgumentException("batch has " + batch + " rows but the KV cache was created for "
                    + batchSize);
        }
        if (length + newColumns > capacity) {
            throw new IllegalArgumentException("KV cache contains " + length + " of " + capacity + " columns, no room "
                    + "for " + newColumns + " more; create it with a larger capacity");
        }
    }

    /**
     * Writes the new keys and values [B,K,T,E] of {@code layer} after the cached columns and returns views of all
     * columns so far, each [B,K,S,E] with S = length + T.
     */
    NDArray[] store(int layer, NDArray newKeys, NDArray newValues) {
        long end = length + newKeys.getShape().get(2);
        Slices.write(keys[layer], 2, length, newKeys);
        Slices.write(values[layer], 2, length, newValues);
        return new NDArray[] {Slices.view(keys[layer], 2, 0, end), Slices.view(values[layer], 2, 0, end)}; // [B,K,S,E]
    }

    /** Records the padding mask and real-token counts of a completed forward call. */
    void advance(StepLayout layout) {
        for (int row = 0; row < batchSize; row++) {
            for (int t = 0; t < layout.queryLength; t++) {
                int column = length + t;
                keyIsReal[row * capacity + column] = layout.keyIsReal[row * layout.keyLength + column];
            }
            realCounts[row] = layout.realCounts[row];
        }
        length += layout.queryLength;
    }

    @Override
    public void close() {
        manager.close();
    }
}
