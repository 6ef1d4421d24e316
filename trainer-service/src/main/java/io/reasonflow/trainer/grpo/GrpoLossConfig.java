package io.reasonflow.trainer.grpo;

/**
 * Settings of {@link GrpoLoss}.
 *
 * @param epsilonLow lower clip range: the ratio is clipped below at {@code 1 - epsilonLow}, in (0, 1)
 * @param epsilonHigh upper clip range: the ratio is clipped above at {@code 1 + epsilonHigh}, > 0,
 *     equal to {@code epsilonLow} for plain GRPO, larger for DAPO's clip-higher
 * @param beta weight of the k3 KL penalty to the reference policy, >= 0
 * @param dualClip dual-clip constant {@code c} > 1 that bounds the objective of negative-advantage
 *     tokens below at {@code c * A}, or {@code null} to disable dual clipping
 * @param aggregation reduction of per-token losses to the scalar loss
 * @param importanceWeightCap largest importance weight {@code pi_prox / pi_behaviour} of the
 *     decoupled objective, >= 1, or positive infinity for no cap; unused by the standard objective
 */
public record GrpoLossConfig(
        double epsilonLow,
        double epsilonHigh,
        double beta,
        Double dualClip,
        LossAggregation aggregation,
        double importanceWeightCap) {

    /** Validates every setting. */
    public GrpoLossConfig {
        if (!(epsilonLow > 0.0 && epsilonLow < 1.0)) {
            throw new IllegalArgumentException("epsilonLow must be in (0, 1), got " + epsilonLow);
        }
        if (!(epsilonHigh > 0.0) || Double.isInfinite(epsilonHigh)) {
            throw new IllegalArgumentException("epsilonHigh must be finite and > 0, got " + epsilonHigh);
        }
        if (!(beta >= 0.0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("beta must be finite and >= 0, got " + beta);
        }
        if (dualClip != null && (!(dualClip > 1.0) || dualClip.isInfinite())) {
            throw new IllegalArgumentException("dualClip must be finite and > 1, got " + dualClip);
        }
        if (aggregation == null) {
            throw new IllegalArgumentException("aggregation must not be null");
        }
        if (!(importanceWeightCap >= 1.0)) {
            throw new IllegalArgumentException("importanceWeightCap must be >= 1, got " + importanceWeightCap);
        }
    }

    /**
     * Returns plain GRPO settings: symmetric clip range, no dual clip, sequence-mean aggregation and
     * no importance-weight cap.
     */
    public static GrpoLossConfig grpo(double epsilon, double beta) {
        return new GrpoLossConfig(epsilon, epsilon, beta, null, new SequenceMean(), Double.POSITIVE_INFINITY);
    }

    /** Returns a copy with the clip range {@code [1 - low, 1 + high]}. */
    public GrpoLossConfig withEpsilons(double low, double high) {
        return new GrpoLossConfig(low, high, beta, dualClip, aggregation, importanceWeightCap);
    }

    /** Returns a copy with dual clipping at {@code c}. */
    public GrpoLossConfig withDualClip(double c) {
        return new GrpoLossConfig(epsilonLow, epsilonHigh, beta, c, aggregation, importanceWeightCap);
    }

    /** Returns a copy with the given aggregation. */
    public GrpoLossConfig withAggregation(LossAggregation newAggregation) {
        return new GrpoLossConfig(epsilonLow, epsilonHigh, beta, dualClip, newAggregation, importanceWeightCap);
    }

    /** Returns a copy whose decoupled objective caps the importance weight at {@code cap}. */
    public GrpoLossConfig withImportanceWeightCap(double cap) {
        return new GrpoLossConfig(epsilonLow, epsilonHigh, beta, dualClip, aggregation, cap);
    }
}
