package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * Output of {@link GrpoLoss#compute}: the differentiable loss and detached statistics.
 *
 * <p>{@code policyLoss} and {@code meanKl} use the loss's own aggregation, so
 * {@code loss == policyLoss + beta * meanKl} up to float rounding. The other statistics are plain
 * means over all completion tokens. Every statistic is 0 when the mask has no completion token.
 *
 * @param loss 0-d loss to minimise, attached to the autograd graph of the policy log-probs
 * @param policyLoss aggregated clipped surrogate loss {@code -objective}
 * @param meanKl aggregated k3 estimate of KL(policy || reference)
 * @param meanRatio mean importance ratio {@code exp(logp - behaviour logp)}
 * @param clipFractionLow share of tokens with A < 0 and ratio below {@code 1 - epsilonLow}, whose
 *     gradient the lower clip removes
 * @param clipFractionHigh share of tokens with A > 0 and ratio above {@code 1 + epsilonHigh},
 *     whose gradient the upper clip removes
 * @param dualClipFraction share of tokens with A < 0 and ratio above {@code c}, bounded by the dual
 *     clip, or 0 when dual clipping is off
 * @param tokenCount number of completion tokens in the mask
 */
public record GrpoLossResult(
        NDArray loss,
        double policyLoss,
        double meanKl,
        double meanRatio,
        double clipFractionLow,
        double clipFractionHigh,
        double dualClipFraction,
        long tokenCount) {}
