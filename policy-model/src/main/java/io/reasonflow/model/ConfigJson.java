package io.reasonflow.model;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Maps {@link ModelConfig} to and from a Hugging Face {@code config.json}.
 *
 * <p>Reading follows transformers' {@code LlamaConfig} and {@code Qwen2Config}: unknown fields are ignored;
 * {@code num_key_value_heads} defaults to {@code num_attention_heads}, {@code rope_theta} to 10000,
 * {@code rms_norm_eps} to 1e-6, {@code tie_word_embeddings} and Llama's {@code attention_bias} to false,
 * {@code model_type} to "llama". Everything it reads it writes back, plus the fixed facts that transformers needs
 * to load the weights the same way.
 */
final class ConfigJson {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final double DEFAULT_ROPE_THETA = 10_000.0;
    private static final double DEFAULT_RMS_NORM_EPS = 1e-6;
    private static final List<String> REQUIRED = List.of("vocab_size", "hidden_size", "num_hidden_layers",
            "num_attention_heads", "intermediate_size", "max_position_embeddings", "bos_token_id", "eos_token_id");

    private ConfigJson() {
    }

    /**
     * Parses config.json text.
     *
     * @throws IllegalArgumentException when the text is not a JSON object, a required field is missing, or a value
     *                                  has the wrong type or is inconsistent. It is also raised for a feature that
     *                                  this implementation lacks: rope scaling, sliding-window attention, MLP
     *                                  biases, an activation other than SiLU, or a {@code head_dim} other than
     *                                  {@code hidden_size / num_attention_heads}.
     */
    static ModelConfig read(String json) {
        ObjectNode node = parseObject(json);
        ModelFamily family = node.hasNonNull("model_type")
                ? ModelFamily.ofModelType(requireString(node, "model_type")) : ModelFamily.LLAMA;
        requirePresent(node);
        rejectUnsupported(node, family);
        int heads = requireInt(node, "num_attention_heads");
        ModelConfig config = new ModelConfig(
                requireInt(node, "vocab_size"),
                requireInt(node, "hidden_size"),
                requireInt(node, "num_hidden_layers"),
                heads,
                node.hasNonNull("num_key_value_heads") ? requireInt(node, "num_key_value_heads") : heads,
                requireInt(node, "intermediate_size"),
                requireInt(node, "max_position_embeddings"),
                optionalDouble(node, "rope_theta", DEFAULT_ROPE_THETA),
                optionalDouble(node, "rms_norm_eps", DEFAULT_RMS_NORM_EPS),
                optionalBoolean(node, "tie_word_embeddings", false),
                requireInt(node, "bos_token_id"),
                tokenIds(node, "eos_token_id"),
                node.hasNonNull("pad_token_id") ? requireInt(node, "pad_token_id") : null,
                attentionBias(node, family),
                family.modelType(),
                node.hasNonNull("architectures") ? strings(node, "architectures") : null);
        checkHeadDim(node, config);
        return config;
    }

    /**
     * Writes config.json text: every {@link ModelConfig} field under its Hugging Face name ({@code eos_token_id}
     * as a number when there is one id, else a list; {@code pad_token_id} only when set), then {@code head_dim},
     * {@code hidden_act} "silu", {@code torch_dtype} "float32", and per family {@code attention_bias} and
     * {@code mlp_bias} false (Llama) or {@code use_sliding_window} false (Qwen2).
     */
    static String write(ModelConfig config) {
        ObjectNode node = MAPPER.createObjectNode();
        ArrayNode architectures = node.putArray("architectures");
        config.architectures().forEach(architectures::add);
        node.put("model_type", config.modelType());
        node.put("vocab_size", config.vocabSize());
        node.put("hidden_size", config.hiddenSize());
        node.put("num_hidden_layers", config.numHiddenLayers());
        node.put("num_attention_heads", config.numAttentionHeads());
        node.put("num_key_value_heads", config.numKeyValueHeads());
        node.put("intermediate_size", config.intermediateSize());
        node.put("max_position_embeddings", config.maxPositionEmbeddings());
        node.put("rope_theta", config.ropeTheta());
        node.put("rms_norm_eps", config.rmsNormEps());
        node.put("tie_word_embeddings", config.tieWordEmbeddings());
        node.put("bos_token_id", config.bosTokenId());
        writeTokenIds(node, "eos_token_id", config.eosTokenIds());
        if (config.padTokenId() != null) {
            node.put("pad_token_id", config.padTokenId().intValue());
        }
        node.put("head_dim", config.headDim());
        node.put("hidden_act", "silu");
        if (config.family() == ModelFamily.LLAMA) {
            node.put("attention_bias", config.attentionBias());
            node.put("mlp_bias", false);
        } else {
            node.put("use_sliding_window", false);
        }
        node.put("torch_dtype", "float32");
        return MAPPER.writeValueAsString(node);
    }

    private static ObjectNode parseObject(String json) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("invalid config.json: " + e.getOriginalMessage(), e);
        }
        if (!(tree instanceof ObjectNode node)) {
            throw new IllegalArgumentException("config.json must be a JSON object, got: "
                    + (tree == null ? "nothing" : tree.getNodeType()));
        }
        return node;
    }

    private static void requirePresent(ObjectNode node) {
        List<String> missing = REQUIRED.stream().filter(field -> !node.hasNonNull(field)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("config.json has no " + String.join(", ", missing));
        }
    }

    private static void rejectUnsupported(ObjectNode node, ModelFamily family) {
        if (node.hasNonNull("rope_scaling") && !isDefaultRope(node.get("rope_scaling"))) {
            throw new IllegalArgumentException("rope_scaling is " + node.get("rope_scaling")
                    + ", but only plain RoPE is implemented (expected null, absent or rope_type \"default\")");
        }
        if (node.hasNonNull("hidden_act") && !"silu".equals(node.get("hidden_act").asString())) {
            throw new IllegalArgumentException("hidden_act is " + node.get("hidden_act") + ", expected \"silu\"");
        }
        if (node.hasNonNull("mlp_bias") && optionalBoolean(node, "mlp_bias", false)) {
            throw new IllegalArgumentException("mlp_bias is true, but the MLP has no bias terms");
        }
        if (node.hasNonNull("use_sliding_window") && optionalBoolean(node, "use_sliding_window", false)) {
            throw new IllegalArgumentException("use_sliding_window is true, but only full attention is implemented"
                    + " (model_type \"" + family.modelType() + "\")");
        }
    }

    private static boolean isDefaultRope(JsonNode scaling) {
        JsonNode type = scaling.has("rope_type") ? scaling.get("rope_type") : scaling.get("type");
        return scaling.isObject() && type != null && "default".equals(type.asString(""));
    }

    /** Llama reads {@code attention_bias}; Qwen2 always has q/k/v biases and rejects an explicit false. */
    private static boolean attentionBias(ObjectNode node, ModelFamily family) {
        if (family == ModelFamily.QWEN2) {
            return !node.hasNonNull("attention_bias") || optionalBoolean(node, "attention_bias", true);
        }
        return optionalBoolean(node, "attention_bias", false);
    }

    private static void checkHeadDim(ObjectNode node, ModelConfig config) {
        if (node.hasNonNull("head_dim") && requireInt(node, "head_dim") != config.headDim()) {
            throw new IllegalArgumentException("head_dim is " + node.get("head_dim") + ", expected hidden_size / "
                    + "num_attention_heads = " + config.headDim());
        }
    }

    private static int requireInt(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("config.json has no " + field);
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw new IllegalArgumentException(field + " is " + value + ", expected an integer");
        }
        return value.asInt();
    }

    private static double optionalDouble(ObjectNode node, String field, double fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException(field + " is " + value + ", expected a number");
        }
        return value.asDouble();
    }

    private static boolean optionalBoolean(ObjectNode node, String field, boolean fallback) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new IllegalArgumentException(field + " is " + value + ", expected true or false");
        }
        return value.asBoolean();
    }

    private static String requireString(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        if (!value.isString()) {
            throw new IllegalArgumentException(field + " is " + value + ", expected a string");
        }
        return value.asString();
    }

    private static List<String> strings(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        List<String> strings = new ArrayList<>();
        if (value.isArray()) {
            for (JsonNode element : value) {
                if (!element.isString()) {
                    throw new IllegalArgumentException(field + " is " + value + ", expected a list of strings");
                }
                strings.add(element.asString());
            }
            return strings;
        }
        throw new IllegalArgumentException(field + " is " + value + ", expected a list of strings");
    }

    /** Reads a token id field that contains one id or a non-empty list of ids. */
    private static List<Integer> tokenIds(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray()) {
            return List.of(requireInt(node, field));
        }
        List<Integer> ids = new ArrayList<>();
        for (JsonNode element : value) {
            if (!element.isIntegralNumber() || !element.canConvertToInt()) {
                throw new IllegalArgumentException(field + " is " + value + ", expected an integer or a list of "
                        + "integers");
            }
            ids.add(element.asInt());
        }
        return ids;
    }

    private static void writeTokenIds(ObjectNode node, String field, List<Integer> ids) {
        if (ids.size() == 1) {
            node.put(field, ids.get(0).intValue());
            return;
        }
        ArrayNode array = node.putArray(field);
        ids.forEach(array::add);
    }
}
