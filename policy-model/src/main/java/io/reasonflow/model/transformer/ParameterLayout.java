package io.reasonflow.model.transformer;

import io.reasonflow.model.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hugging Face Llama and Qwen2 parameter names and their shapes; linear weights are [out, in], biases [out].
 */
public final class ParameterLayout {
    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private ParameterLayout() {
    }

    /** Returns every parameter name of {@code config} with its shape, in Hugging Face order. */
    public static Map<String, long[]> shapes(ModelConfig config) {
        long d = config.hiddenSize();
        long queryWidth = (long) config.numAttentionHeads() * config.headDim();
        long keyValueWidth = (long) config.numKeyValueHeads() * config.headDim();
        long inner = config.intermediateSize();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(EMBED_TOKENS, new long[] {config.vocabSize(), d});
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            shapes.put(layerName(layer, "input_layernorm.weight"), new long[] {d});
            shapes.put(layerName(layer, "self_attn.q_proj.weight"), new long[] {queryWidth, d});
            shapes.put(layerName(layer, "self_attn.k_proj.weight"), new long[] {keyValueWidth, d});
            shapes.put(layerName(layer, "self_attn.v_proj.weight"), new long[] {keyValueWidth, d});
            if (config.hasQueryKeyValueBias()) {
                shapes.put(layerName(layer, "self_attn.q_proj.bias"), new long[] {queryWidth});
                shapes.put(layerName(layer, "self_attn.k_proj.bias"), new long[] {keyValueWidth});
                shapes.put(layerName(layer, "self_attn.v_proj.bias"), new long[] {keyValueWidth});
            }
            shapes.put(layerName(layer, "self_attn.o_proj.weight"), new long[] {d, queryWidth});
            if (config.hasOutputBias()) {
                shapes.put(layerName(layer, "self_attn.o_proj.bias"), new long[] {d});
            }
            shapes.put(layerName(layer, "post_attention_layernorm.weight"), new long[] {d});
            shapes.put(layerName(layer, "mlp.gate_proj.weight"), new long[] {inner, d});
            shapes.put(layerName(layer, "mlp.up_proj.weight"), new long[] {inner, d});
            shapes.put(layerName(layer, "mlp.down_proj.weight"), new long[] {d, inner});
        }
        shapes.put(FINAL_NORM, new long[] {d});
        if (!config.tieWordEmbeddings()) {
            shapes.put(LM_HEAD, new long[] {config.vocabSize(), d});
        }
        return shapes;
    }

    /** Returns the full name of a decoder layer parameter, e.g. {@code model.layers.0.mlp.up_proj.weight}. */
    public static String layerName(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }

    /** Returns whether {@code name} is an RMSNorm scale, which is initialized to one and not weight-decayed. */
    public static boolean isNorm(String name) {
        return name.endsWith("norm.weight");
    }

    /** Returns whether {@code name} is a projection bias, which is initialized to zero and not weight-decayed. */
    public static boolean isBias(String name) {
        return name.endsWith(".bias");
    }
}
