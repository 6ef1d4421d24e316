package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tensor.OwnedArrays;
import io.reasonflow.model.training.Scalars;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The decoder stack: token embedding, pre-norm layers of attention and SwiGLU MLP with residual connections,
 * final RMSNorm and the output head (the embedding matrix when tied). Projections have the biases that the
 * config enables.
 *
 * <p>Dimensions: B batch, T new tokens, S keys (cached plus new), V vocabulary, D hidden size, H query heads,
 * K key/value heads, G = H / K, E head dim, I intermediate size.
 */
final class Decoder {
    private final NDArray embedding;
    private final NDArray finalNorm;
    private final NDArray head;
    private final List<LayerWeights> layers = new ArrayList<>();
    private final RotaryEmbedding rotary;
    private final Attention attention;
    private final NDArray normEps;

    Decoder(ModelConfig config, Map<String, NDArray> parameters, NDManager manager, Scalars scalars) {
        this.embedding = parameters.get(ParameterLayout.EMBED_TOKENS);
        this.finalNorm = parameters.get(ParameterLayout.FINAL_NORM);
        this.head = config.tieWordEmbeddings() ? embedding : parameters.get(ParameterLayout.LM_HEAD);
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            layers.add(LayerWeights.of(parameters, layer));
        }
        this.rotary = new RotaryEmbedding(manager, config.headDim(), config.ropeTheta());
        this.normEps = scalars.of((float) config.rmsNormEps());
        NDArray scale = scalars.of((float) (1.0 / Math.sqrt(config.headDim())));
        this.attention = new Attention(config, scale);
    }

    /**
     * Computes logits [B,T,V] for {@code inputIds} int64 [B,T]. When {@code cache} is given, the new tokens also
     * attend to the cached ones and their keys and values are appended to it.
     */
    NDArray forward(NDArray inputIds, StepLayout layout, KvCache cache) {
        NDManager manager = inputIds.getManager();
        int batch = layout.batchSize;
        NDArray positions = OwnedArrays.of(manager, layout.positions, new Shape(batch, layout.queryLength)); // [B,T]
        NDArray scoreMask = OwnedArrays.of(manager, layout.attentionBias,
                new Shape(batch, 1, 1, layout.queryLength, layout.keyLength)); // [B,1,1,T,S]
        RotaryEmbedding.Tables tables = rotary.tables(positions); // [B,1,T,E] each
        NDArray hidden = embed(inputIds); // [B,T,D]
        for (int layer = 0; layer < layers.size(); layer++) {
            hidden = decoderLayer(hidden, layers.get(layer), tables, scoreMask, cache, layer); // [B,T,D]
        }
        NDArray normalized = RmsNorm.apply(hidden, finalNorm, normEps); // [B,T,D]
        return Linear.apply(normalized, head); // [B,T,V]
    }

    private NDArray embed(NDArray inputIds) {
        // Copy the ids so that the embedding's backward never reads a caller's array that was closed meanwhile.
        NDArray ids = inputIds.duplicate(); // [B,T]
        return embedding.getNDArrayInternal()
                .embedding(ids, embedding, SparseFormat.DENSE)
                .singletonOrThrow(); // [B,T,D]
    }

    /** h = x + attention(norm(x)); out = h + mlp(norm(h)). */
    private NDArray decoderLayer(NDArray x, LayerWeights weights, RotaryEmbedding.Tables tables, NDArray scoreMask,
            KvCache cache, int layer) {
        NDArray attentionInput = RmsNorm.apply(x, weights.inputNorm(), normEps); // [B,T,D]
        NDArray attended = attention.apply(attentionInput, weights, rotary, tables, scoreMask, cache, layer); // [B,T,D]
        NDArray residual = x.add(attended); // [B,T,D]
        NDArray mlpInput = RmsNorm.apply(residual, weights.postAttentionNorm(), normEps); // [B,T,D]
        return residual.add(SwiGluMlp.apply(mlpInput, weights)); // [B,T,D]
    }

    void close() {
        rotary.close();
    }
}
