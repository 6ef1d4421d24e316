package io.reasonflow.trainer.grpo;

/**
 * Standard deviation estimator of a set of rewards.
 *
 * <p>DeepSeekMath (arXiv 2402.03300, section 4.1) normalises by "the standard deviation" of a
 * group without naming the estimator, and implementations differ. For rewards {@code [1, 0, 0, 1]}
 * the population form gives advantages {@code ±1.0} and the sample form {@code ±0.866}.
 */
public enum StdEstimator {
    /** Divides the sum of squared deviations by {@code n}. */
    POPULATION,
    /** Divides the sum of squared deviations by {@code n - 1} (Bessel's correction). */
    SAMPLE;

    /**
     * Returns the standard deviation of {@code values} around {@code mean}, or 0 when there are
     * too few values for this estimator (one value for {@link #SAMPLE}, none for either).
     */
    public double std(double[] values, double mean) {
        int divisor = this == SAMPLE ? values.length - 1 : values.length;
        if (divisor <= 0) {
            return 0.0;
        }
        double squares = 0.0;
        for (double value : values) {
            squares += (value - mean) * (value - mean);
        }
        return Math.sqrt(squares / divisor);
    }

    /** Rejects a missing estimator and a negative or non-finite epsilon of a scaling. */
    static void checkScaling(StdEstimator estimator, double epsilon) {
        if (estimator == null) {
            throw new IllegalArgumentException("estimator must not be null");
        }
        if (!(epsilon >= 0.0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
    }
}
