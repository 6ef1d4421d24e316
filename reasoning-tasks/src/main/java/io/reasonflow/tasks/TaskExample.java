package io.reasonflow.tasks;

import java.util.Objects;

/**
 * One task instance: a question with its exact final answer and, where the source has one, the
 * worked solution written the way the model should write it.
 *
 * @param id stable identifier, unique within its source (for example {@code arith-7-0} or
 *     {@code gsm8k-train-0})
 * @param task task family name, for example {@code arithmetic} or {@code gsm8k}
 * @param question the question text, without any prompt template applied
 * @param answer the exact final answer as a plain number string, for example {@code 72}
 * @param referenceCompletion the readable worked solution as
 *     {@code <think>\n...\n</think>\n<answer>N</answer>}, or {@code null} when the source has none
 */
public record TaskExample(
        String id, String task, String question, String answer, String referenceCompletion) {

    /** Rejects a missing id, task, question or answer. */
    public TaskExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
    }
}
