package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;
import io.reasonflow.model.ModelConfig;

/**
 * Causal grouped-query self-attention. Query head h reads key/value head h / G, where G = H / K, as Hugging
 * Face's {@code repeat_kv} does. Instead of repeating keys and values G times, the G query heads of a group are
 * stacked along the time axis and multiplied with the group's single key/value head.
 */
final class Attention {
    private final int heads;
    private final int keyValueHeads;
    private final int headDim;
    private final int groupSize;
    private final NDArray scale;

    /** @param scale 0-d array holding 1 / sqrt(E) */
    Attention(ModelConfig config, NDArray scale) {
        this.heads = config.numAttentionHeads();
        this.keyValueHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.groupSize = config.queriesPerKeyValueHead();
        this.scale = scale;
    }

    /**
     * Attends from {@code x} [B,T,D] over its own keys and, when {@code cache} is given, the cached ones.
     *
     * <p>attention(x) = W_o concat_h(softmax(q_h k_h^T / sqrt(E) + mask) v_h) + b_o, with q = W_q x + b_q,
     * k = W_k x + b_k, v = W_v x + b_v, where q and k are rotated by RoPE, mask is 0 for allowed keys and the most
     * negative float for future or padding keys, and each b is zero when the config has no such bias.
     *
     * @param scoreMask float32 [B,1,1,T,S] added to the scores
     * @param cache   KV cache to append to and read from, or null
     */
    NDArray apply(NDArray x, LayerWeights weights, RotaryEmbedding rotary, RotaryEmbedding.Tables tables,
            NDArray scoreMask, KvCache cache, int layer) {
        long batch = x.getShape().get(0);
        long time = x.getShape().get(1);
        NDArray query = splitHeads(Linear.apply(x, weights.query(), weights.queryBias()), heads); // [B,H,T,E]
        NDArray key = splitHeads(Linear.apply(x, weights.key(), weights.keyBias()), keyValueHeads); // [B,K,T,E]
        NDArray value = splitHeads(Linear.apply(x, weights.value(), weights.valueBias()), keyValueHeads); // [B,K,T,E]
        query = rotary.apply(query, tables); // [B,H,T,E]
        key = rotary.apply(key, tables); // [B,K,T,E]
        if (cache != null) {
            NDArray[] stored = cache.store(layer, key, value);
            key = stored[0]; // [B,K,S,E]
            value = stored[1]; // [B,K,S,E]
        }
        long keyLength = key.getShape().get(2);
        NDArray grouped = query.mul(scale).reshape(batch, keyValueHeads, groupSize * time, headDim); // [B,K,G*T,E]
        NDArray scores = grouped.matMul(key.transpose(0, 1, 3, 2)) // [B,K,G*T,S]
                .reshape(batch, keyValueHeads, groupSize, time, keyLength); // [B,K,G,T,S]
        NDArray masked = scores.add(scoreMask); // [B,K,G,T,S]
        NDArray probabilities = masked.softmax(-1)
                .reshape(batch, keyValueHeads, groupSize * time, keyLength); // [B,K,G*T,S]
        NDArray context = probabilities.matMul(value) // [B,K,G*T,E]
                .reshape(batch, heads, time, headDim) // [B,H,T,E]
                .transpose(0, 2, 1, 3) // [B,T,H,E]
                .reshape(batch, time, (long) heads * headDim); // [B,T,H*E]
        return Linear.apply(context, weights.output(), weights.outputBias()); // [B,T,D]
    }

    /** Reshapes a projection [B,T,N*E] to heads [B,N,T,E]. */
    private NDArray splitHeads(NDArray projected, int count) {
        long batch = projected.getShape().get(0);
        long time = projected.getShape().get(1);
        return projected.reshape(batch, time, count, headDim).transpose(0, 2, 1, 3); // [B,N,T,E]
    }
}
