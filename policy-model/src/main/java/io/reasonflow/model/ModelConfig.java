package io.reasonflow.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Shape of a Llama-family decoder, serialized as a Hugging Face {@code config.json} (snake_case names such as
 * {@code hidden_size}, {@code num_key_value_heads}); see {@link ConfigJson} for the mapping.
 *
 * <p>The head dimension is {@code hidden_size / num_attention_heads}, as in Hugging Face's {@code LlamaConfig}
 * and {@code Qwen2Config} when {@code head_dim} is absent. The family ({@code model_type} "llama" or "qwen2")
 * decides which projections carry a bias, see {@link ModelFamily}.
 *
 * @param vocabSize             number of token ids
 * @param hiddenSize            model width D
 * @param numHiddenLayers       number of decoder layers
 * @param numAttentionHeads     query heads H
 * @param numKeyValueHeads      key/value heads K (grouped-query attention; K divides H)
 * @param intermediateSize      SwiGLU inner width
 * @param maxPositionEmbeddings longest sequence, in tokens, that the model accepts
 * @param ropeTheta             rotary embedding base
 * @param rmsNormEps            epsilon added to the mean square in RMSNorm
 * @param tieWordEmbeddings     whether the output head reuses the token embedding matrix
 * @param bosTokenId            beginning-of-sequence token id
 * @param eosTokenIds           end-of-sequence token ids, at least one; config.json's {@code eos_token_id} may be
 *                              a single id or a list
 * @param padTokenId            padding token id, or null when config.json has none
 * @param attentionBias         whether the attention projections have biases: Llama's {@code attention_bias}
 *                              (q, k, v and o), always true for Qwen2 (q, k and v)
 * @param modelType             Hugging Face model type, {@code llama} or {@code qwen2}
 * @param architectures         Hugging Face architectures, the family's single causal-LM class
 */
public record ModelConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int intermediateSize,
        int maxPositionEmbeddings,
        double ropeTheta,
        double rmsNormEps,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        Integer padTokenId,
        boolean attentionBias,
        String modelType,
        List<String> architectures) {

    public static final String MODEL_TYPE = ModelFamily.LLAMA.modelType();
    public static final String ARCHITECTURE = ModelFamily.LLAMA.architecture();

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the field and its value when a value is out of range or the fields
     *                                  contradict each other (an architecture of another family, Qwen2 without
     *                                  attention biases, a head layout that does not divide)
     */
    public ModelConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("num_hidden_layers", numHiddenLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("num_key_value_heads", numKeyValueHeads);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        requirePositive("rope_theta", ropeTheta);
        requirePositive("rms_norm_eps", rmsNormEps);
        requireTokenId("bos_token_id", bosTokenId, vocabSize);
        eosTokenIds = requireTokenIds(eosTokenIds, vocabSize);
        if (padTokenId != null) {
            requireTokenId("pad_token_id", padTokenId, vocabSize);
        }
        requireHeadLayout(hiddenSize, numAttentionHeads, numKeyValueHeads);
        ModelFamily family = ModelFamily.ofModelType(modelType == null ? MODEL_TYPE : modelType);
        modelType = family.modelType();
        architectures = requireArchitectures(architectures, family);
        if (family == ModelFamily.QWEN2 && !attentionBias) {
            throw new IllegalArgumentException("attention_bias is false, but model_type \"qwen2\" always has q, k "
                    + "and v projection biases");
        }
    }

    /** Creates a Llama config without biases, {@code model_type} "llama", architecture {@code LlamaForCausalLM}. */
    public ModelConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
            int numKeyValueHeads, int intermediateSize, int maxPositionEmbeddings, double ropeTheta,
            double rmsNormEps, boolean tieWordEmbeddings, int bosTokenId, int eosTokenId) {
        this(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, intermediateSize,
                maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, bosTokenId, List.of(eosTokenId),
                null, false, MODEL_TYPE, null);
    }

    /**
     * Returns a small test-sized config: hidden 64, 2 layers, 4 heads, 2 key/value heads, intermediate 172,
     * 512 positions, tied embeddings. BOS and EOS are {@code vocabSize - 3} and {@code vocabSize - 2}, which is
     * where {@code ByteTokenizer} puts them (ids 256 and 257 for its vocabulary of 259).
     */
    public static ModelConfig tiny(int vocabSize) {
        return tiny(vocabSize, vocabSize - 3, vocabSize - 2);
    }

    /** Returns the {@link #tiny(int)} shape with explicit BOS and EOS ids. */
    public static ModelConfig tiny(int vocabSize, int bosTokenId, int eosTokenId) {
        return new ModelConfig(vocabSize, 64, 2, 4, 2, 172, 512, 10_000.0, 1e-5, true, bosTokenId, eosTokenId);
    }

    /** Returns the family named by {@link #modelType()}. */
    public ModelFamily family() {
        return ModelFamily.ofModelType(modelType);
    }

    /** Returns the first end-of-sequence id, the one a tokenizer appends and a sampler pads finished rows with. */
    public int eosTokenId() {
        return eosTokenIds.get(0);
    }

    /** Returns whether the q, k and v projections have biases. */
    public boolean hasQueryKeyValueBias() {
        return attentionBias;
    }

    /** Returns whether the attention output projection has a bias (Llama with {@code attention_bias} only). */
    public boolean hasOutputBias() {
        return attentionBias && family() == ModelFamily.LLAMA;
    }

    /**
     * Returns this shape in another family: Qwen2 turns the attention biases on, Llama keeps the current setting.
     */
    public ModelConfig withFamily(ModelFamily family) {
        boolean bias = family == ModelFamily.QWEN2 || (family() == ModelFamily.LLAMA && attentionBias);
        return new ModelConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                intermediateSize, maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, bosTokenId,
                eosTokenIds, padTokenId, bias, family.modelType(), null);
    }

    /** Returns a copy with Llama's {@code attention_bias} set; Qwen2 requires true. */
    public ModelConfig withAttentionBias(boolean bias) {
        return new ModelConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                intermediateSize, maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, bosTokenId,
                eosTokenIds, padTokenId, bias, modelType, architectures);
    }

    /** Returns a copy with other end-of-sequence ids and padding id. */
    public ModelConfig withSpecialTokens(List<Integer> eosIds, Integer padId) {
        return new ModelConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads,
                intermediateSize, maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, bosTokenId,
                eosIds, padId, attentionBias, modelType, architectures);
    }

    /** Returns the per-head width E. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Returns how many query heads share one key/value head (H / K). */
    public int queriesPerKeyValueHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /**
     * Counts the scalar parameters: embeddings, every layer's projections, biases and norms, final norm, untied
     * head.
     */
    public long parameterCount() {
        long d = hiddenSize;
        long e = headDim();
        long queryWidth = numAttentionHeads * e;
        long keyValueWidth = numKeyValueHeads * e;
        long attention = d * queryWidth * 2 + d * keyValueWidth * 2;
        long biases = (hasQueryKeyValueBias() ? queryWidth + 2 * keyValueWidth : 0) + (hasOutputBias() ? d : 0);
        long mlp = 3 * d * intermediateSize;
        long layer = attention + biases + mlp + 2 * d;
        long embedding = (long) vocabSize * d;
        long head = tieWordEmbeddings ? 0 : embedding;
        return embedding + numHiddenLayers * layer + d + head;
    }

    /** Serializes to a Hugging Face {@code config.json}, as described in {@link ConfigJson#write}. */
    public String toJson() {
        return ConfigJson.write(this);
    }

    /**
     * Parses a Hugging Face {@code config.json}, as described in {@link ConfigJson#read}.
     *
     * @throws IllegalArgumentException when the JSON is invalid, a required field is missing, a value has the
     *                                  wrong type or is inconsistent, or a feature this implementation lacks is
     *                                  requested; the message names the field and the value
     */
    public static ModelConfig fromJson(String json) {
        return ConfigJson.read(json);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " is " + value + ", expected a positive value");
        }
    }

    private static void requirePositive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " is " + value + ", expected a positive finite value");
        }
    }

    private static void requireTokenId(String name, int id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException(name + " is " + id + ", expected 0 <= id < vocab_size = " + vocabSize);
        }
    }

    private static void requireHeadLayout(int hiddenSize, int heads, int kvHeads) {
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + heads);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + heads + " is not divisible by "
                    + "num_key_value_heads " + kvHeads);
        }
        int headDim = hiddenSize / heads;
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head dim hidden_size / num_attention_heads = " + hiddenSize + " / "
                    + heads + " = " + headDim + " is odd, but RoPE rotates pairs of dimensions");
        }
    }

    private static List<Integer> requireTokenIds(List<Integer> ids, int vocabSize) {
        if (ids == null || ids.isEmpty()) {
            throw new IllegalArgumentException("eos_token_id is " + ids + ", expected at least one token id");
        }
        List<Integer> copy = new ArrayList<>();
        for (Integer id : ids) {
            if (id == null) {
                throw new IllegalArgumentException("eos_token_id is " + ids + ", expected token ids, not null");
            }
            requireTokenId("eos_token_id", id, vocabSize);
            copy.add(id);
        }
        return List.copyOf(copy);
    }

    private static List<String> requireArchitectures(List<String> architectures, ModelFamily family) {
        List<String> expected = List.of(family.architecture());
        if (architectures == null) {
            return expected;
        }
        if (!expected.equals(architectures)) {
            throw new IllegalArgumentException("architectures is " + architectures + ", but model_type is \""
                    + family.modelType() + "\", whose architecture is " + expected);
        }
        return expected;
    }
}
