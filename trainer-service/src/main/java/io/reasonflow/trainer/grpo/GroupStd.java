package io.reasonflow.trainer.grpo;

/**
 * Group-normalised advantages of GRPO: {@code A_i = (r_i - mean(r)) / (std(r) + epsilon)}.
 *
 * <p>Source: DeepSeekMath (Shao et al. 2024, arXiv 2402.03300), section 4.1, which normalises
 * each reward by the mean and standard deviation of its group. Implementations differ in the
 * estimator, so both are offered: {@link Estimator#POPULATION} divides the sum of squared
 * deviations by {@code n}, and {@link Estimator#SAMPLE} by {@code n - 1} (Bessel's correction).
 * For rewards {@code [1, 0, 0, 1]} the population form gives {@code ±1.0} and the sample form
 * {@code ±0.866}.
 *
 * @param estimator which standard deviation divides the centred rewards
 * @param epsilon added to the standard deviation so a nearly constant group stays finite, at least 0
 */
public record GroupStd(Estimator estimator, double epsilon) implements AdvantageScaling {

    /** Default {@code epsilon}, small next to the 0.5 standard deviation of a half-correct 0/1 group. */
    public static final double DEFAULT_EPSILON = 1e-4;

    /** Standard deviation estimator. */
    public enum Estimator {
        /** Divides by {@code n}. */
        POPULATION,
        /** Divides by {@code n - 1}. */
        SAMPLE
    }

    /** Rejects a missing estimator and a negative or non-finite epsilon. */
    public GroupStd {
        if (estimator == null) {
            throw new IllegalArgumentException("estimator must not be null");
        }
        if (!(epsilon >= 0.0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon);
        }
    }

    /** Returns the population-std form with {@link #DEFAULT_EPSILON}. */
    public static GroupStd population() {
        return new GroupStd(Estimator.POPULATION, DEFAULT_EPSILON);
    }

    /** Returns the sample-std form with {@link #DEFAULT_EPSILON}. */
    public static GroupStd sample() {
        return new GroupStd(Estimator.SAMPLE, DEFAULT_EPSILON);
    }

    @Override
    public double[] advantages(double[] rewards) {
        double mean = AdvantageScaling.mean(rewards);
        double denominator = standardDeviation(rewards, mean) + epsilon;
        double[] advantages = new double[rewards.length];
        for (int i = 0; i < rewards.length; i++) {
            advantages[i] = (rewards[i] - mean) / denominator;
        }
        return advantages;
    }

    private double standardDeviation(double[] rewards, double mean) {
        double squares = 0.0;
        for (double reward : rewards) {
            squares += (reward - mean) * (reward - mean);
        }
        int divisor = estimator == Estimator.SAMPLE ? rewards.length - 1 : rewards.length;
        return Math.sqrt(squares / divisor);
    }
}
