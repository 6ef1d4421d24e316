package io.reasonflow.trainer.grpo;

/**
 * Mean-centred advantages without division by the standard deviation: {@code A_i = r_i - mean(r)}.
 *
 * <p>Source: Dr. GRPO (Liu et al. 2025, "Understanding R1-Zero-Like Training: A Critical
 * Perspective", arXiv 2503.20783),
 * which drops the standard-deviation term because it weights groups of low reward spread more
 * heavily.
 */
public record NoScaling() implements AdvantageScaling {

    @Override
    public double[] advantages(double[] rewards) {
        double mean = AdvantageScaling.mean(rewards);
        double[] advantages = new double[rewards.length];
        for (int i = 0; i < rewards.length; i++) {
            advantages[i] = rewards[i] - mean;
        }
        return advantages;
    }
}
