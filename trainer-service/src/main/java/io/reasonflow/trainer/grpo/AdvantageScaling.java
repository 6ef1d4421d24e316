package io.reasonflow.trainer.grpo;

import java.util.List;

/**
 * Strategy that gives the divisor of each group's centred rewards: the advantage of completion i
 * of group g is {@code A_i = (r_i - mean_g) / divisor_g}.
 *
 * <p>{@link GroupAdvantages} centres the rewards, and it uses a divisor only for groups with at
 * least two scored rewards that are not all equal; other groups get advantage 0 whatever their
 * divisor. A strategy receives every group of the batch, so a batch-level statistic is possible.
 */
public interface AdvantageScaling {

    /**
     * Returns one divisor per group, in the same order.
     *
     * @param groups the finite scored rewards of every group of the batch (unscored completions
     *     left out); a group may be empty or constant
     * @return a divisor per group; it must be positive for every group with two distinct rewards
     */
    double[] divisors(List<double[]> groups);

    /** Returns the mean of {@code rewards}, or 0 for none. */
    static double mean(double[] rewards) {
        if (rewards.length == 0) {
            return 0.0;
        }
        double sum = 0.0;
        for (double reward : rewards) {
            sum += reward;
        }
        return sum / rewards.length;
    }
}
