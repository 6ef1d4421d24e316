package io.reasonflow.distill.select;

import java.util.Locale;

/**
 * Reason a completion was not kept, in the order the checks run. A completion is counted under the first check it
 * fails, so the counts of all reasons and the kept traces add up to the completions read.
 */
public enum DropReason {
    /** It hit the length limit instead of stopping by itself (finish reason {@code length}). */
    TRUNCATED,
    /** Longer than the completion limit, or prompt and completion together exceed the student's position limit. */
    TOO_LONG,
    /** Its prompt is one of the held-out prompts the student is evaluated on. */
    HELD_OUT,
    /** The accuracy grader could not grade it: the reference answer does not parse, or a limit was hit. */
    UNGRADABLE,
    /** The accuracy grader found its answer wrong or missing. */
    INCORRECT,
    /** Not exactly one think block followed by one answer block (the strict format grader). */
    FORMAT,
    /** Too small a share of the reasoning's words is in the target language. */
    LANGUAGE,
    /** The same completion of the same prompt was kept already. */
    DUPLICATE,
    /** Its prompt has as many kept traces as the cap allows. */
    OVER_CAP;

    /** Returns the name used in {@code selection.json} and on the console, for example {@code too_long}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
