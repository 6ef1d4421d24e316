package io.reasonflow.tasks.prompt;

import java.util.Objects;

/**
 * Named template that turns a question into the prompt text given to the model.
 *
 * <p>{@link #R1_ZERO_COMPACT} is a compact form of the DeepSeek-R1-Zero template for byte-level
 * models: {@code "User: " + question + "\nAssistant: "}. The model is expected to continue with
 * {@code <think>...</think>} and then {@code <answer>...</answer>}, so the completion contains both
 * opening tags.
 *
 * @param name template name recorded with rollouts, for example {@code r1-zero-compact}
 * @param prefix text before the question
 * @param suffix text after the question, where the model's completion starts
 */
public record PromptTemplate(String name, String prefix, String suffix) {

    /** Compact R1-Zero style template: {@code User: <question>\nAssistant: }. */
    public static final PromptTemplate R1_ZERO_COMPACT =
            new PromptTemplate("r1-zero-compact", "User: ", "\nAssistant: ");

    /** Rejects null parts and a blank name. */
    public PromptTemplate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(suffix, "suffix");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
    }

    /** Renders {@code question}, with surrounding whitespace removed, into the prompt text. */
    public String render(String question) {
        Objects.requireNonNull(question, "question");
        return prefix + question.strip() + suffix;
    }
}
