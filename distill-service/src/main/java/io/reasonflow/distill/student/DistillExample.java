package io.reasonflow.distill.student;

/**
 * One training example of the student: the prompt's token ids (BOS included) and the teacher's completion ids.
 * The loss covers the completion tokens only.
 *
 * @param id names the example in error messages: the trace's prompt id and group, or {@code FILE:LINE}
 */
public record DistillExample(String id, int[] promptIds, int[] completionIds) {
}
