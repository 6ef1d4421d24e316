package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * Output of {@link GrpoLoss#compute}: the differentiable loss and detached statistics of one
 * micro-batch.
 *
 * <p>{@code policyLoss} and {@code kl} use the loss's own per-token weights, so
 * {@code loss == policyLoss + beta * kl} up to float rounding, and over the micro-batches of one
 * batch they add up to the batch's values. The other fields are sums and counts over the
 * micro-batch's completion tokens, which add up across micro-batches too; the share methods divide
 * them by {@code tokenCount} and return 0 for an empty mask.
 *
 * @param loss 0-d loss to minimise, attached to the autograd graph of the policy log-probs
 * @param policyLoss aggregated clipped surrogate loss {@code -w * objective}
 * @param kl aggregated k3 estimate of KL(policy || reference)
 * @param tokenCount completion tokens in the mask
 * @param ratioSum sum of the importance ratios {@code exp(logp - anchor logp)} over those tokens
 * @param clippedLow tokens with A < 0 and ratio below {@code 1 - epsilonLow}, whose gradient the
 *     lower clip removes
 * @param clippedHigh tokens with A > 0 and ratio above {@code 1 + epsilonHigh}, whose gradient the
 *     upper clip removes
 * @param dualClipped tokens with A < 0 and ratio above {@code c}, bounded by the dual clip
 * @param importanceWeightSum sum of the decoupled objective's capped importance weights (1 per
 *     token for the standard objective)
 * @param importanceCapped tokens whose importance weight the cap lowered
 */
public record GrpoLossResult(
        NDArray loss,
        double policyLoss,
        double kl,
        long tokenCount,
        double ratioSum,
        long clippedLow,
        long clippedHigh,
        long dualClipped,
        double importanceWeightSum,
        long importanceCapped) {

    /** Returns the mean importance ratio over completion tokens. */
    public double meanRatio() {
        return share(ratioSum);
    }

    /** Returns the share of completion tokens clipped at {@code 1 - epsilonLow}. */
    public double clipFractionLow() {
        return share(clippedLow);
    }

    /** Returns the share of completion tokens clipped at {@code 1 + epsilonHigh}. */
    public double clipFractionHigh() {
        return share(clippedHigh);
    }

    /** Returns the share of completion tokens bounded by the dual clip. */
    public double dualClipFraction() {
        return share(dualClipped);
    }

    /** Returns the mean capped importance weight over completion tokens. */
    public double meanImportanceWeight() {
        return share(importanceWeightSum);
    }

    /** Returns the share of completion tokens whose importance weight was capped. */
    public double importanceCapFraction() {
        return share(importanceCapped);
    }

    private double share(double sum) {
        return tokenCount == 0 ? 0.0 : sum / tokenCount;
    }
}
