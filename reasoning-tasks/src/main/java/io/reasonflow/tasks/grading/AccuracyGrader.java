package io.reasonflow.tasks.grading;

import io.reasonflow.tasks.grading.SymbolicChecker.Verdict;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Grader named {@code accuracy}: 1.0 when the final answer of the completion is mathematically
 * equivalent to the reference answer, 0.0 when it is not, and {@code null} when the example cannot
 * be graded.
 *
 * <p>The final answer is found by {@link AnswerExtractor} (an {@code <answer>} block, the last
 * {@code \boxed} or {@code \fbox}, a {@code ####} line, "the answer is X", the last number). The
 * reference answer and the extracted answer are parsed by the same rules ({@link AnswerParser}):
 * integers, decimals, thousands separators, fractions ({@code a/b}, {@code \frac}, {@code \dfrac},
 * {@code \tfrac}), signs, scientific notation, percentages, LaTeX wrappers ({@code $...$},
 * {@code \(...\)}, {@code \[...\]}, {@code \text{}}, {@code \mathrm{}}), units, radicals, {@code \pi},
 * tuples, intervals, sets and symbolic expressions. They are compared by {@link AnswerComparator}:
 * exact rationals exactly, anything else with the Symja computer algebra system. The main rules:
 *
 * <ul>
 *   <li>decimals are exact, with no tolerance: {@code 0.5} equals {@code 1/2}, {@code 0.333} does
 *       not equal {@code 1/3} and {@code 3.14} does not equal {@code \pi};
 *   <li>a percentage {@code 28\%} equals {@code 28} and {@code 0.28};
 *   <li>units are dropped: {@code 5\text{ cm}} and {@code 5 apples} equal {@code 5};
 *   <li>{@code 0,1} is the pair {@code (0,1)}, while {@code 115,000} is one number;
 *       {@code [8.124,12.852]} is an interval of two numbers, not a number;
 *   <li>of {@code x = 5} only the right-hand side counts.
 * </ul>
 *
 * <p>When the extracted answer is not mathematics under these rules (a sentence in the
 * {@code <answer>} block, say) or is longer than {@link AnswerParser#MAX_ANSWER_CHARS}, the last
 * number inside it is graded instead.
 *
 * <p>Scores: {@code null} when the reference answer is missing or cannot be parsed, never 1.0;
 * {@code null} when a limit is hit: the answer nests brackets or operators deeper than
 * {@link AnswerParser#MAX_NESTING}, has more than {@link AnswerParser#MAX_ELEMENTS} elements or an
 * exponent beyond {@link AnswerParser#MAX_DECIMAL_EXPONENT}, or the symbolic comparison runs past
 * the time limit or a Symja size limit. Such results are counted ({@link #limitHits()}). 0.0 when no
 * answer is found. Only the first {@link Grader#MAX_GRADED_CHARS} characters of a completion are
 * read.
 *
 * <p>Instances are thread-safe; symbolic comparisons of one instance run one at a time.
 */
public final class AccuracyGrader implements Grader {

    /** Name under which accuracy scores are reported. */
    public static final String NAME = "accuracy";

    /** Default time limit of the symbolic comparisons of one completion. */
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(AccuracyGrader.class);

    /** Outcome of grading one completion. */
    public enum Outcome {
        /** The answer is equivalent to the reference: score 1.0. */
        CORRECT,
        /** The answer differs from the reference, or no answer was found: score 0.0. */
        INCORRECT,
        /** The reference answer is missing or cannot be parsed: score null. */
        UNPARSABLE_REFERENCE,
        /** A parsing or time limit was hit: score null. */
        LIMIT_EXCEEDED
    }

    /**
     * Grading result of one completion.
     *
     * @param score 1.0, 0.0 or {@code null}, as {@link #grade} returns it
     * @param extracted the answer text that was graded, or {@code null} when none was found
     * @param outcome how the completion was graded
     */
    public record Result(Double score, String extracted, Outcome outcome) {

        /** Returns {@code true} or {@code false} for a graded completion, {@code null} otherwise. */
        public Boolean correct() {
            return score == null ? null : score == 1.0;
        }
    }

    private final SymbolicChecker symbolic = new SymbolicChecker();
    private final AnswerComparator comparator;
    private final AtomicLong limitHits = new AtomicLong();

    /** Creates a grader with {@link #DEFAULT_TIME_LIMIT}. */
    public AccuracyGrader() {
        this(DEFAULT_TIME_LIMIT);
    }

    /**
     * Creates a grader whose symbolic comparisons of one completion take at most {@code timeLimit}.
     *
     * @param timeLimit positive time limit per completion
     */
    public AccuracyGrader(Duration timeLimit) {
        Objects.requireNonNull(timeLimit, "timeLimit");
        if (timeLimit.isNegative() || timeLimit.isZero()) {
            throw new IllegalArgumentException("timeLimit must be positive, got " + timeLimit);
        }
        this.comparator = new AnswerComparator(symbolic, timeLimit);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Double grade(String completion, String referenceAnswer) {
        return evaluate(completion, referenceAnswer).score();
    }

    /** Grades {@code completion} against {@code referenceAnswer} and reports the extracted answer. */
    public Result evaluate(String completion, String referenceAnswer) {
        String extracted = completion == null ? null : AnswerExtractor.extract(completion).orElse(null);
        AnswerParser.Result reference = AnswerParser.parse(referenceAnswer);
        if (reference.status() == AnswerParser.Status.LIMIT_EXCEEDED) {
            return limitExceeded(extracted, "the reference answer");
        }
        if (reference.status() != AnswerParser.Status.PARSED) {
            return new Result(null, extracted, Outcome.UNPARSABLE_REFERENCE);
        }
        if (extracted == null) {
            return new Result(0.0, null, Outcome.INCORRECT);
        }
        AnswerParser.Result candidate = AnswerParser.parse(extracted);
        if (candidate.status() == AnswerParser.Status.NOT_MATH || candidate.status() == AnswerParser.Status.TOO_LONG) {
            String lastNumber = NumberScanner.lastNumber(extracted);
            if (lastNumber == null) {
                return new Result(0.0, extracted, Outcome.INCORRECT);
            }
            extracted = lastNumber;
            candidate = AnswerParser.parse(lastNumber);
        }
        if (candidate.status() == AnswerParser.Status.LIMIT_EXCEEDED) {
            return limitExceeded(extracted, "the extracted answer");
        }
        if (candidate.status() != AnswerParser.Status.PARSED) {
            return new Result(0.0, extracted, Outcome.INCORRECT);
        }
        Verdict verdict = comparator.compare(candidate.answer(), reference.answer());
        return switch (verdict) {
            case EQUAL -> new Result(1.0, extracted, Outcome.CORRECT);
            case NOT_EQUAL -> new Result(0.0, extracted, Outcome.INCORRECT);
            case LIMIT_EXCEEDED -> limitExceeded(extracted, "the comparison");
        };
    }

    /** Returns how many completions scored {@code null} because a parsing or time limit was hit. */
    public long limitHits() {
        return limitHits.get();
    }

    /** Returns how many symbolic comparisons ran past the time limit. */
    public long timeouts() {
        return symbolic.timeouts();
    }

    /** Returns how many symbolic comparisons that ran past the time limit are still running on their worker. */
    int abandonedSymbolicWorkers() {
        return symbolic.abandonedWorkersRunning();
    }

    private Result limitExceeded(String extracted, String stage) {
        long count = limitHits.incrementAndGet();
        log.debug("Accuracy not graded: {} hit a limit ({} such completions so far)", stage, count);
        return new Result(null, extracted, Outcome.LIMIT_EXCEEDED);
    }
}
