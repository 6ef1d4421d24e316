package io.reasonflow.tasks.grading;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Grader named {@code repetition}: a penalty for repeated word n-grams.
 *
 * <p>The first {@link Grader#MAX_GRADED_CHARS} characters of the completion are split at whitespace
 * into words, lower-cased. With {@code T} word n-grams (one per starting word) of which {@code D} are
 * distinct, the score is {@code maxPenalty * (1 - D / T)}: 0 when no n-gram repeats, approaching
 * {@code maxPenalty} when one n-gram fills the text. Completions with fewer than {@code n} words score
 * 0. The reference answer is ignored and the score is never {@code null}.
 */
public final class RepetitionGrader implements Grader {

    /** Name under which repetition penalties are reported. */
    public static final String NAME = "repetition";

    /** Default n-gram size in words. */
    public static final int DEFAULT_NGRAM_SIZE = 4;

    /** Default penalty when the text is one n-gram repeated. */
    public static final double DEFAULT_MAX_PENALTY = -1.0;

    private final int ngramSize;
    private final double maxPenalty;

    /** Creates the grader with {@link #DEFAULT_NGRAM_SIZE} and {@link #DEFAULT_MAX_PENALTY}. */
    public RepetitionGrader() {
        this(DEFAULT_NGRAM_SIZE, DEFAULT_MAX_PENALTY);
    }

    /**
     * Creates the grader.
     *
     * @param ngramSize words per n-gram, at least 1
     * @param maxPenalty the score approached by fully repetitive text, finite and at most 0
     */
    public RepetitionGrader(int ngramSize, double maxPenalty) {
        if (ngramSize < 1) {
            throw new IllegalArgumentException("ngramSize must be at least 1, got " + ngramSize);
        }
        if (!Double.isFinite(maxPenalty) || maxPenalty > 0) {
            throw new IllegalArgumentException("maxPenalty must be finite and at most 0, got " + maxPenalty);
        }
        this.ngramSize = ngramSize;
        this.maxPenalty = maxPenalty;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Double grade(String completion, String referenceAnswer) {
        if (completion == null) {
            return 0.0;
        }
        String[] words = Grader.graded(completion).strip().toLowerCase(Locale.ROOT).split("\\s+");
        int total = words.length - ngramSize + 1;
        if (words[0].isEmpty() || total <= 0) {
            return 0.0;
        }
        Set<String> distinct = new HashSet<>();
        for (int start = 0; start < total; start++) {
            distinct.add(String.join(" ", Arrays.asList(words).subList(start, start + ngramSize)));
        }
        double score = maxPenalty * (1.0 - (double) distinct.size() / total);
        return score == 0.0 ? 0.0 : score;
    }
}
