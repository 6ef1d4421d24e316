package io.reasonflow.trainer.grpo;

import java.util.Arrays;
import java.util.List;

/**
 * Advantages centred within each group but divided by one standard deviation over the whole batch:
 * {@code A_i = (r_i - mean_g(r)) / (std_batch(r) + epsilon)}.
 *
 * <p>The batch standard deviation runs over every scored reward of every group in the batch,
 * constant groups included. Dividing every group by the same number keeps the per-group scaling
 * bias that Dr. GRPO (Liu et al. 2025, arXiv 2503.20783) points out, where groups of
 * low reward spread (nearly all right or all wrong) get larger advantages, while still putting
 * rewards of different scales on a comparable footing.
 *
 * @param estimator which standard deviation divides the centred rewards
 * @param epsilon added to the standard deviation, at least 0
 */
public record BatchStd(StdEstimator estimator, double epsilon) implements AdvantageScaling {

    /** Rejects a missing estimator and a negative or non-finite epsilon. */
    public BatchStd {
        StdEstimator.checkScaling(estimator, epsilon);
    }

    @Override
    public double[] divisors(List<double[]> groups) {
        int count = 0;
        for (double[] rewards : groups) {
            count += rewards.length;
        }
        double[] all = new double[count];
        int next = 0;
        for (double[] rewards : groups) {
            System.arraycopy(rewards, 0, all, next, rewards.length);
            next += rewards.length;
        }
        double divisor = estimator.std(all, AdvantageScaling.mean(all)) + epsilon;
        double[] divisors = new double[groups.size()];
        Arrays.fill(divisors, divisor);
        return divisors;
    }
}
