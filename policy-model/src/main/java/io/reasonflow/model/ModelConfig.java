package io.reasonflow.model;

import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Shape of a Llama-family decoder, serialized as a Hugging Face {@code config.json} (snake_case names such as
 * {@code hidden_size}, {@code num_key_value_heads}).
 *
 * <p>The head dimension is {@code hidden_size / num_attention_heads}, as in Hugging Face's {@code LlamaConfig}
 * when {@code head_dim} is absent.
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
 * @param eosTokenId            end-of-sequence token id
 * @param modelType             Hugging Face model type, always {@code llama}
 * @param architectures         Hugging Face architectures, normally {@code ["LlamaForCausalLM"]}
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
        int eosTokenId,
        String modelType,
        List<String> architectures) {

    public static final String MODEL_TYPE = "llama";
    public static final String ARCHITECTURE = "LlamaForCausalLM";

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

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
        requireTokenId("eos_token_id", eosTokenId, vocabSize);
        requireHeadLayout(hiddenSize, numAttentionHeads, numKeyValueHeads);
        modelType = modelType == null ? MODEL_TYPE : modelType;
        if (!MODEL_TYPE.equals(modelType)) {
            throw new IllegalArgumentException("model_type is \"" + modelType + "\", expected \"" + MODEL_TYPE
                    + "\" (only the Llama architecture is implemented)");
        }
        architectures = architectures == null ? List.of(ARCHITECTURE) : List.copyOf(architectures);
    }

    /** Creates a Llama config with {@code model_type} "llama" and architecture {@code LlamaForCausalLM}. */
    public ModelConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads,
            int numKeyValueHeads, int intermediateSize, int maxPositionEmbeddings, double ropeTheta,
            double rmsNormEps, boolean tieWordEmbeddings, int bosTokenId, int eosTokenId) {
        this(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, intermediateSize,
                maxPositionEmbeddings, ropeTheta, rmsNormEps, tieWordEmbeddings, bosTokenId, eosTokenId,
                MODEL_TYPE, List.of(ARCHITECTURE));
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

    /** Returns the per-head width E. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Returns how many query heads share one key/value head (H / K). */
    public int queriesPerKeyValueHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Counts the scalar parameters: embeddings, every layer's projections and norms, final norm, untied head. */
    public long parameterCount() {
        long d = hiddenSize;
        long e = headDim();
        long attention = d * numAttentionHeads * e * 2 + d * numKeyValueHeads * e * 2;
        long mlp = 3 * d * intermediateSize;
        long layer = attention + mlp + 2 * d;
        long embedding = (long) vocabSize * d;
        long head = tieWordEmbeddings ? 0 : embedding;
        return embedding + numHiddenLayers * layer + d + head;
    }

    /**
     * Serializes to a Hugging Face {@code config.json}. Besides the record components it writes the fixed facts
     * that transformers needs to load the weights: {@code head_dim}, {@code hidden_act} "silu",
     * {@code torch_dtype} "float32" and no attention or MLP biases.
     */
    public String toJson() {
        ObjectNode node = MAPPER.valueToTree(this);
        node.put("head_dim", headDim());
        node.put("hidden_act", "silu");
        node.put("attention_bias", false);
        node.put("mlp_bias", false);
        node.put("torch_dtype", "float32");
        return MAPPER.writeValueAsString(node);
    }

    /**
     * Parses a Hugging Face {@code config.json}. Unknown fields are ignored. A missing
     * {@code num_key_value_heads} defaults to {@code num_attention_heads}, as in transformers.
     *
     * @throws IllegalArgumentException when the JSON is invalid, a required field is missing, a value is
     *                                  inconsistent, or a feature this implementation lacks is requested
     *                                  ({@code rope_scaling}, biases, an activation other than SiLU, a
     *                                  {@code head_dim} other than {@code hidden_size / num_attention_heads})
     */
    public static ModelConfig fromJson(String json) {
        try {
            JsonNode tree = MAPPER.readTree(json);
            if (!(tree instanceof ObjectNode node)) {
                throw new IllegalArgumentException("config.json must be a JSON object, got: " + tree.getNodeType());
            }
            rejectUnsupported(node);
            if (!node.hasNonNull("num_key_value_heads") && node.has("num_attention_heads")) {
                node.set("num_key_value_heads", node.get("num_attention_heads"));
            }
            ModelConfig config = MAPPER.treeToValue(node, ModelConfig.class);
            checkHeadDim(node, config);
            return config;
        } catch (JacksonException e) {
            Throwable cause = e.getCause();
            while (cause != null) {
                if (cause instanceof IllegalArgumentException invalid) {
                    throw invalid;
                }
                cause = cause.getCause();
            }
            throw new IllegalArgumentException("invalid config.json: " + e.getOriginalMessage(), e);
        }
    }

    private static void rejectUnsupported(ObjectNode node) {
        if (node.hasNonNull("rope_scaling")) {
            throw new IllegalArgumentException("rope_scaling is " + node.get("rope_scaling")
                    + ", but only plain RoPE is implemented (expected null or absent)");
        }
        if (node.hasNonNull("hidden_act") && !"silu".equals(node.get("hidden_act").asString())) {
            throw new IllegalArgumentException("hidden_act is " + node.get("hidden_act") + ", expected \"silu\"");
        }
        for (String bias : List.of("attention_bias", "mlp_bias")) {
            if (node.hasNonNull(bias) && node.get(bias).asBoolean()) {
                throw new IllegalArgumentException(bias + " is true, but the model has no bias terms");
            }
        }
    }

    private static void checkHeadDim(ObjectNode node, ModelConfig config) {
        if (node.hasNonNull("head_dim") && node.get("head_dim").asInt() != config.headDim()) {
            throw new IllegalArgumentException("head_dim is " + node.get("head_dim") + ", expected hidden_size / "
                    + "num_attention_heads = " + config.headDim());
        }
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
}
