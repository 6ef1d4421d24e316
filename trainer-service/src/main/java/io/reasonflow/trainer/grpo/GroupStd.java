package io.reasonflow.trainer.grpo;

import java.util.List;

/**
 * Group-normalised advantages of GRPO: {@code A_i = (r_i - mean(r)) / (std(r) + epsilon)}, with
 * mean and standard deviation over the scored completions of the same group.
 *
 * <p>Source: DeepSeekMath (Shao et al. 2024, arXiv 2402.03300), section 4.1. The estimator is a
 * choice ({@link StdEstimator}).
 *
 * @param estimator which standard deviation divides the centred rewards
 * @param epsilon added to the standard deviation so a nearly constant group stays finite, at least 0
 */
public record GroupStd(StdEstimator estimator, double epsilon) implements AdvantageScaling {

    /** Default {@code epsilon}, small next to the 0.5 standard deviation of a half-correct 0/1 group. */
    public static final double DEFAULT_EPSILON = 1e-4;

    /** Rejects a missing estimator and a negative or non-finite epsilon. */
    public GroupStd {
        StdEstimator.checkScaling(estimator, epsilon);
    }

    /** Returns the population-std form with {@link #DEFAULT_EPSILON}. */
    public static GroupStd population() {
        return new GroupStd(StdEstimator.POPULATION, DEFAULT_EPSILON);
    }

    /** Returns the sample-std form with {@link #DEFAULT_EPSILON}. */
    public static GroupStd sample() {
        return new GroupStd(StdEstimator.SAMPLE, DEFAULT_EPSILON);
    }

    @Override
    public double[] divisors(List<double[]> groups) {
        double[] divisors = new double[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            double[] rewards = groups.get(g);
            divisors[g] = estimator.std(rewards, AdvantageScaling.mean(rewards)) + epsilon;
        }
        return divisors;
    }
}
