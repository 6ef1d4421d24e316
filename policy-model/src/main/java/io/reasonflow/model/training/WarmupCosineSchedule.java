package io.reasonflow.model.training;

/**
 * Learning rate per optimizer step: a linear warm-up from 0 to the peak, then a cosine decay from the peak to
 * {@code finalRatio} times the peak at the last step.
 *
 * <pre>
 * rate(s) = peak * s / warmupSteps                                       for s &lt;= warmupSteps
 * rate(s) = peak * (finalRatio + (1 - finalRatio) * (1 + cos(pi * p)) / 2) otherwise,
 *           with p = (s - warmupSteps) / max(1, totalSteps - warmupSteps)
 * </pre>
 * With {@code warmupSteps = 0} and {@code finalRatio = 1} the rate is the peak at every step.
 *
 * @param peak        the rate reached at the end of the warm-up, finite and >= 0
 * @param warmupSteps steps of linear warm-up, >= 0
 * @param totalSteps  steps of the whole schedule, >= 0; the decay reaches its end at this step
 * @param finalRatio  rate at the last step as a fraction of the peak, in [0, 1]
 */
public record WarmupCosineSchedule(double peak, int warmupSteps, int totalSteps, double finalRatio) {

    public WarmupCosineSchedule {
        if (!(peak >= 0) || Double.isInfinite(peak)) {
            throw new IllegalArgumentException("peak is " + peak + ", expected a finite value >= 0");
        }
        if (warmupSteps < 0 || totalSteps < 0) {
            throw new IllegalArgumentException("warmupSteps is " + warmupSteps + " and totalSteps " + totalSteps
                    + ", expected both >= 0");
        }
        if (!(finalRatio >= 0 && finalRatio <= 1)) {
            throw new IllegalArgumentException("finalRatio is " + finalRatio + ", expected a value in [0, 1]");
        }
    }

    /** Returns the rate of a 1-based step; steps past {@code totalSteps} keep the final rate. */
    public double rate(int step) {
        if (warmupSteps > 0 && step <= warmupSteps) {
            return peak * Math.max(0, step) / warmupSteps;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return peak * (finalRatio + (1 - finalRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }
}
