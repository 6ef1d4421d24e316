package io.reasonflow.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Hugging Face decoder families this implementation computes exactly. They share RMSNorm, RoPE,
 * grouped-query attention and the SwiGLU MLP, and differ only in their projection biases:
 * <ul>
 *   <li>{@code llama} ({@code LlamaForCausalLM}): {@code attention_bias}, false by default, adds a bias to the
 *       q, k, v and o projections;</li>
 *   <li>{@code qwen2} ({@code Qwen2ForCausalLM}): the q, k and v projections always have a bias, the o
 *       projection never.</li>
 * </ul>
 */
public enum ModelFamily {
    LLAMA("llama", "LlamaForCausalLM"),
    QWEN2("qwen2", "Qwen2ForCausalLM");

    private final String modelType;
    private final String architecture;

    ModelFamily(String modelType, String architecture) {
        this.modelType = modelType;
        this.architecture = architecture;
    }

    /** Returns the {@code model_type} value of config.json. */
    public String modelType() {
        return modelType;
    }

    /** Returns the single entry of {@code architectures} in config.json. */
    public String architecture() {
        return architecture;
    }

    /**
     * Finds the family of a {@code model_type}.
     *
     * @throws IllegalArgumentException naming the value and the supported ones
     */
    public static ModelFamily ofModelType(String modelType) {
        for (ModelFamily family : values()) {
            if (family.modelType.equals(modelType)) {
                return family;
            }
        }
        String supported = Arrays.stream(values())
                .map(family -> "\"" + family.modelType + "\"")
                .collect(Collectors.joining(", "));
        throw new IllegalArgumentException("model_type is \"" + modelType + "\", expected one of " + supported);
    }
}
