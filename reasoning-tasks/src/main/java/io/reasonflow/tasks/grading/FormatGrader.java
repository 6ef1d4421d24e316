package io.reasonflow.tasks.grading;

/**
 * Format grader, strict or with partial credit.
 *
 * <p>Grader named {@code format}, strict: 1.0 when the completion is exactly one
 * {@code <think>...</think>} block followed by exactly one {@code <answer>...</answer>} block, with
 * only whitespace outside them, and 0.0 otherwise.
 *
 * <p>Each block may span many lines and must hold some non-whitespace text. None of the four tags
 * may appear anywhere else. A completion longer than {@link Grader#MAX_GRADED_CHARS} characters
 * scores 0.0 without being read. The reference answer is ignored, so this grader never returns
 * {@code null}.
 *
 * <p>{@link #strict()} expects the completion to contain both opening tags, as it does after the
 * {@code "Assistant: "} prompt suffix. {@link #strictWithPrefilledThink()} is for prompts that
 * already end with {@code <think>}: it grades {@code "<think>" + completion} the same way.
 *
 * <p>Grader named {@code format_partial} ({@link #partial()}): 0.25 for each of the four tags
 * {@code <think>}, {@code </think>}, {@code <answer>} and {@code </answer>} that appears exactly
 * once, so 0.0 to 1.0 in steps of 0.25. Order and surrounding text are not checked, which gives a
 * smoother signal early in training than the strict grader. It also reads only completions of at
 * most {@link Grader#MAX_GRADED_CHARS} characters, and scores longer ones 0.0.
 */
public final class FormatGrader implements Grader {

    /** Name under which strict format scores are reported. */
    public static final String NAME = "format";

    /** Name under which partial-credit format scores are reported. */
    public static final String PARTIAL_NAME = "format_partial";

    private static final double CREDIT_PER_TAG = 0.25;

    private static final String THINK_OPEN = "<think>";
    private static final String THINK_CLOSE = "</think>";
    private static final String ANSWER_OPEN = "<answer>";
    private static final String ANSWER_CLOSE = "</answer>";

    private static final String[] TAGS = {THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE};

    private final boolean thinkPrefilled;
    private final boolean partialCredit;

    private FormatGrader(boolean thinkPrefilled, boolean partialCredit) {
        this.thinkPrefilled = thinkPrefilled;
        this.partialCredit = partialCredit;
    }

    /** Returns the strict grader for completions that contain both opening tags. */
    public static FormatGrader strict() {
        return new FormatGrader(false, false);
    }

    /** Returns the strict grader for completions whose prompt already ends with {@code <think>}. */
    public static FormatGrader strictWithPrefilledThink() {
        return new FormatGrader(true, false);
    }

    /** Returns the partial-credit grader for completions that contain both opening tags. */
    public static FormatGrader partial() {
        return new FormatGrader(false, true);
    }

    /** Returns the partial-credit grader for completions whose prompt already ends with {@code <think>}. */
    public static FormatGrader partialWithPrefilledThink() {
        return new FormatGrader(true, true);
    }

    @Override
    public String name() {
        return partialCredit ? PARTIAL_NAME : NAME;
    }

    @Override
    public Double grade(String completion, String referenceAnswer) {
        if (completion == null || completion.length() > MAX_GRADED_CHARS) {
            return 0.0;
        }
        String text = thinkPrefilled ? THINK_OPEN + completion : completion;
        if (partialCredit) {
            return partialCredit(text);
        }
        return isStrictlyFormatted(text) ? 1.0 : 0.0;
    }

    private static double partialCredit(String text) {
        double score = 0.0;
        for (String tag : TAGS) {
            if (countOccurrences(text, tag) == 1) {
                score += CREDIT_PER_TAG;
            }
        }
        return score;
    }

    private static boolean isStrictlyFormatted(String text) {
        for (String tag : TAGS) {
            if (countOccurrences(text, tag) != 1) {
                return false;
            }
        }
        int thinkOpen = text.indexOf(THINK_OPEN);
        int thinkClose = text.indexOf(THINK_CLOSE);
        int answerOpen = text.indexOf(ANSWER_OPEN);
        int answerClose = text.indexOf(ANSWER_CLOSE);
        if (!(thinkOpen < thinkClose && thinkClose < answerOpen && answerOpen < answerClose)) {
            return false;
        }
        return text.substring(0, thinkOpen).isBlank()
                && !text.substring(thinkOpen + THINK_OPEN.length(), thinkClose).isBlank()
                && text.substring(thinkClose + THINK_CLOSE.length(), answerOpen).isBlank()
                && !text.substring(answerOpen + ANSWER_OPEN.length(), answerClose).isBlank()
                && text.substring(answerClose + ANSWER_CLOSE.length()).isBlank();
    }

    private static int countOccurrences(String text, String tag) {
        int count = 0;
        for (int at = text.indexOf(tag); at >= 0; at = text.indexOf(tag, at + tag.length())) {
            count++;
        }
        return count;
    }
}
