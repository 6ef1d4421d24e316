package io.reasonflow.model.checkpoint;

import io.reasonflow.model.safetensors.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits tensors, in order, into shards of at most a given number of data bytes, as transformers'
 * {@code max_shard_size} does: a shard is closed when the next tensor would not fit, and a tensor larger than the
 * limit gets a shard of its own.
 */
final class ShardPlan {
    private ShardPlan() {
    }

    /** Returns the tensors grouped into shards; one group when everything fits. */
    static List<List<Tensor>> split(List<Tensor> tensors, long maxShardBytes) {
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException("maxShardBytes is " + maxShardBytes + ", expected >= 1");
        }
        List<List<Tensor>> shards = new ArrayList<>();
        List<Tensor> current = new ArrayList<>();
        long currentBytes = 0;
        for (Tensor tensor : tensors) {
            long bytes = dataBytes(tensor);
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(tensor);
            currentBytes += bytes;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }

    /** Returns the bytes a float32 tensor occupies in a safetensors data section. */
    static long dataBytes(Tensor tensor) {
        return 4L * tensor.data().length;
    }
}
