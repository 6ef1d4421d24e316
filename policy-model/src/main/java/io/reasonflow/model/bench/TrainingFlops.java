package io.reasonflow.model.bench;

import io.reasonflow.model.ModelConfig;

/**
 * Model FLOPs of training, counted as in the PaLM paper's utilization figure (Chowdhery et al. 2022, appendix B):
 * per token, 6 FLOPs per matrix parameter (2 forward, 4 backward) plus the attention score and value products.
 */
final class TrainingFlops {
    private TrainingFlops() {
    }

    /**
     * Returns the parameters that take part in matrix products per token: the q, k, v, o and MLP projections of
     * every layer and the output head (the embedding matrix when tied). The embedding lookup, norms and biases
     * are not matrix products.
     */
    static long matrixParameters(ModelConfig config) {
        long d = config.hiddenSize();
        long queryWidth = (long) config.numAttentionHeads() * config.headDim();
        long keyValueWidth = (long) config.numKeyValueHeads() * config.headDim();
        long attention = 2 * d * queryWidth + 2 * d * keyValueWidth;
        long mlp = 3 * d * config.intermediateSize();
        long head = (long) config.vocabSize() * d;
        return config.numHiddenLayers() * (attention + mlp) + head;
    }

    /**
     * Returns the FLOPs of one training step over {@code batch} sequences of {@code length} tokens.
     *
     * <p>flops = 6 N B T + 12 L D T^2 B, where N is {@link #matrixParameters}, L layers, D = H E the query width;
     * 12 L D T per token counts q k^T and p v (2 T D each per layer) forward and twice that backward, over all T
     * keys as the masked computation does.
     */
    static double perStep(ModelConfig config, int batch, int length) {
        double tokens = (double) batch * length;
        double queryWidth = (double) config.numAttentionHeads() * config.headDim();
        double attention = 12.0 * config.numHiddenLayers() * queryWidth * length;
        return tokens * (6.0 * matrixParameters(config) + attention);
    }
}
