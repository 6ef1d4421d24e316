package io.reasonflow.tasks.grading;

/**
 * Grader named {@code overlong}: the soft overlong penalty of DAPO (Yu et al., 2025, arXiv
 * 2503.14476), which punishes completions that approach or pass the generation limit.
 *
 * <p>With completion length {@code L}, maximum length {@code Lmax} and buffer {@code Lbuf}, the score
 * is 0 for {@code L <= Lmax - Lbuf}, {@code ((Lmax - Lbuf) - L) / Lbuf} for
 * {@code Lmax - Lbuf < L <= Lmax} (falling linearly from 0 towards -1), and -1 for {@code L > Lmax}.
 *
 * <p>Length is counted in {@link LengthUnit#CHARACTERS} (Unicode code points of the whole completion,
 * not only the first {@link Grader#MAX_GRADED_CHARS}) or in {@link LengthUnit#TOKENS}, which needs the
 * caller to pass the token count through {@link #grade(String, String, int)}. A token-counting grader
 * returns {@code null} when the count is unknown. The reference answer is ignored.
 */
public final class OverlongGrader implements Grader {

    /** Name under which overlong penalties are reported. */
    public static final String NAME = "overlong";

    /** Maximum length used by DAPO, 20,480 tokens. */
    public static final int DEFAULT_MAX_LENGTH = 20_480;

    /** Buffer used by DAPO, 4,096 tokens. */
    public static final int DEFAULT_BUFFER = 4_096;

    /** Unit in which completion length is measured. */
    public enum LengthUnit { TOKENS, CHARACTERS }

    private final LengthUnit unit;
    private final int maxLength;
    private final int buffer;

    /**
     * Creates the grader.
     *
     * @param unit how length is measured
     * @param maxLength the length above which the score is -1, at least 1
     * @param buffer the length of the linear ramp below {@code maxLength}, from 1 to {@code maxLength}
     */
    public OverlongGrader(LengthUnit unit, int maxLength, int buffer) {
        if (unit == null) {
            throw new IllegalArgumentException("unit must not be null");
        }
        if (maxLength < 1 || buffer < 1 || buffer > maxLength) {
            throw new IllegalArgumentException("expected 1 <= buffer <= maxLength, got maxLength " + maxLength
                    + " and buffer " + buffer);
        }
        this.unit = unit;
        this.maxLength = maxLength;
        this.buffer = buffer;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Double grade(String completion, String referenceAnswer) {
        return grade(completion, referenceAnswer, -1);
    }

    @Override
    public Double grade(String completion, String referenceAnswer, int completionTokens) {
        if (unit == LengthUnit.TOKENS) {
            return completionTokens < 0 ? null : penalty(completionTokens);
        }
        String text = completion == null ? "" : completion;
        return penalty(text.codePointCount(0, text.length()));
    }

    /** Returns the penalty for a completion of {@code length} units. */
    public double penalty(long length) {
        long rampStart = (long) maxLength - buffer;
        if (length <= rampStart) {
            return 0.0;
        }
        if (length > maxLength) {
            return -1.0;
        }
        return (double) (rampStart - length) / buffer;
    }
}
