package io.reasonflow.tasks.grading;

import java.util.Optional;

/**
 * Grader named {@code accuracy}: 1.0 when the answer extracted from the completion equals the
 * reference answer exactly (see {@link NumericEquivalence}), 0.0 otherwise.
 *
 * <p>Returns {@code null} when the reference answer is not a number. Only the first
 * {@link Grader#MAX_GRADED_CHARS} characters of a completion are read, so an answer written past
 * them is not seen.
 */
public final class AccuracyGrader implements Grader {

    /** Name under which accuracy scores are reported. */
    public static final String NAME = "accuracy";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Double grade(String completion, String referenceAnswer) {
        Optional<NumericEquivalence.ExactNumber> reference = NumericEquivalence.parse(referenceAnswer);
        if (reference.isEmpty()) {
            return null;
        }
        boolean correct = AnswerExtractor.extract(completion)
                .flatMap(NumericEquivalence::parse)
                .map(answer -> answer.sameValueAs(reference.get()))
                .orElse(false);
        return correct ? 1.0 : 0.0;
    }
}
