package io.reasonflow.trainer.grpo;

import java.util.Arrays;
import java.util.List;

/**
 * Mean-centred advantages without division by a standard deviation: {@code A_i = r_i - mean_g(r)}.
 *
 * <p>Source: Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like Training: A Critical
 * Perspective", arXiv 2503.20783), which drops the standard-deviation term because it
 * weights groups of low reward spread more heavily.
 */
public record NoScaling() implements AdvantageScaling {

    @Override
    public double[] divisors(List<double[]> groups) {
        double[] divisors = new double[groups.size()];
        Arrays.fill(divisors, 1.0);
        return divisors;
    }
}
