package io.reasonflow.tasks.grading;

/**
 * Rule-based scorer of one completion against a reference answer.
 *
 * <p>Graders read at most {@link #MAX_GRADED_CHARS} characters of a completion, so the work per
 * completion is bounded whatever the model writes. Each implementation states how it treats the
 * characters past that limit.
 */
public interface Grader {

    /** Number of leading characters (UTF-16 code units, 64 Ki) of a completion that graders read. */
    int MAX_GRADED_CHARS = 64 * 1024;

    /** Returns the grader name under which its scores are reported, for example {@code accuracy}. */
    String name();

    /**
     * Scores {@code completion} against {@code referenceAnswer}.
     *
     * @return the score, usually 0.0 or 1.0, or {@code null} when the example cannot be graded,
     *     for example because the reference answer does not parse as a number
     */
    Double grade(String completion, String referenceAnswer);

    /**
     * Scores {@code completion} when its length in tokens is known as well. Graders that do not use
     * token counts ignore it: the default calls {@link #grade(String, String)}.
     *
     * @param completionTokens number of generated tokens, prompt excluded, or a negative value when
     *     unknown
     */
    default Double grade(String completion, String referenceAnswer, int completionTokens) {
        return grade(completion, referenceAnswer);
    }

    /** Returns the first {@link #MAX_GRADED_CHARS} characters of {@code completion}. */
    static String graded(String completion) {
        return completion.length() <= MAX_GRADED_CHARS
                ? completion
                : completion.substring(0, MAX_GRADED_CHARS);
    }
}
