package io.reasonflow.distill.select;

import io.reasonflow.contracts.FinishReason;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.tasks.grading.AccuracyGrader;
import io.reasonflow.tasks.grading.FormatGrader;
import io.reasonflow.tasks.grading.LanguageConsistencyGrader;
import java.util.Optional;
import java.util.Set;

/**
 * The checks of one completion on its own, in the order of {@link DropReason}: finish reason, length, held-out
 * prompt, correctness, format and language. Correctness, format and language come from the built-in graders of
 * {@code reasoning-tasks} (accuracy, strict format, language consistency), run here on every completion, so that
 * traces from a file and from the scored topic pass the same checks. Duplicates and the per-prompt cap depend on
 * the other traces and are {@link TraceSelection}'s. Not thread-safe, because the accuracy grader counts its limit hits.
 */
public final class TraceFilter {

    /**
     * @param maxCompletionTokens    longest completion kept, in tokens
     * @param maxPositions           the student's position limit, which prompt and completion together must fit
     * @param language               target language of the reasoning, for example {@code en}
     * @param minLanguageConsistency lowest share of reasoning words in the target language that is kept
     */
    public record Limits(int maxCompletionTokens, int maxPositions, String language, double minLanguageConsistency) {
    }

    private final Limits limits;
    private final Tokenizer tokenizer;
    private final Set<String> heldOutPrompts;
    private final AccuracyGrader accuracy = new AccuracyGrader();
    private final FormatGrader format = FormatGrader.strict();
    private final LanguageConsistencyGrader languageConsistency;

    /**
     * @param tokenizer      counts the prompt's tokens (BOS included) against the position limit
     * @param heldOutPrompts prompt texts of the held-out evaluation, never kept
     */
    public TraceFilter(Limits limits, Tokenizer tokenizer, Set<String> heldOutPrompts) {
        this.limits = limits;
        this.tokenizer = tokenizer;
        this.heldOutPrompts = Set.copyOf(heldOutPrompts);
        this.languageConsistency = new LanguageConsistencyGrader(LanguageConsistencyGrader.language(limits.language()));
    }

    /** Returns the first check {@code trace} fails, or empty when it passes them all. */
    public Optional<DropReason> check(Trace trace) {
        if (trace.finishReason() != FinishReason.STOP) {
            return Optional.of(DropReason.TRUNCATED);
        }
        int completionTokens = trace.completionIds().length;
        if (completionTokens > limits.maxCompletionTokens()
                || PromptTokens.encode(tokenizer, trace.prompt()).length + completionTokens > limits.maxPositions()) {
            return Optional.of(DropReason.TOO_LONG);
        }
        if (heldOutPrompts.contains(trace.prompt())) {
            return Optional.of(DropReason.HELD_OUT);
        }
        Boolean correct = accuracy.evaluate(trace.completion(), trace.answer()).correct();
        if (correct == null) {
            return Optional.of(DropReason.UNGRADABLE);
        }
        if (!correct) {
            return Optional.of(DropReason.INCORRECT);
        }
        if (format.grade(trace.completion(), trace.answer()) < 1.0) {
            return Optional.of(DropReason.FORMAT);
        }
        if (languageConsistency.grade(trace.completion(), trace.answer()) < limits.minLanguageConsistency()) {
            return Optional.of(DropReason.LANGUAGE);
        }
        return Optional.empty();
    }
}
