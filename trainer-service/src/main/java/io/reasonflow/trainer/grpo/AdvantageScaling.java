package io.reasonflow.trainer.grpo;

/**
 * Strategy that turns the scored rewards of one group into advantages.
 *
 * <p>{@link GroupAdvantages} calls it only with at least two rewards that are not all equal, and
 * handles unscored completions, single scored completions and constant groups itself.
 */
public interface AdvantageScaling {

    /**
     * Computes one advantage per reward, in the same order.
     *
     * @param rewards finite rewards of the scored completions of one group, at least two, not all
     *     equal
     */
    double[] advantages(double[] rewards);

    /** Returns the mean of {@code rewards}. */
    static double mean(double[] rewards) {
        double sum = 0.0;
        for (double reward : rewards) {
            sum += reward;
        }
        return sum / rewards.length;
    }
}
