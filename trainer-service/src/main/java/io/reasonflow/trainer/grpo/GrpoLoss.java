package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * GRPO loss on per-token log-probabilities: clipped surrogate with optional clip-higher, dual clip
 * and the decoupled objective for stale samples, plus the k3 KL penalty to a reference policy,
 * computed per token and aggregated once with per-token weights.
 *
 * <p>Dimensions: B completions, T positions. Every [B, T] input lines up with the mask; values
 * outside the mask are ignored and may be infinite.
 *
 * <p>Every constant that enters the differentiable graph (the clip bounds, beta, c, 0 and 1) is a
 * 0-d float32 array created once on a sub-manager of the manager given at construction and copied
 * into engine-owned memory. With the PyTorch engine, an op that takes a Java number wraps it in a
 * short-lived tensor that autograd may still read in backward, and gradients go silently wrong if
 * the garbage collector frees it first. For the same reason {@link #compute} copies the
 * non-differentiable inputs into engine-owned memory before using them.
 *
 * <p>Intermediate arrays are attached to the managers of the inputs, so callers compute the loss
 * inside a per-step sub-manager and close it after backward. Constants live until {@link #close()}.
 * All arrays must be on the device of the manager given at construction.
 */
public final class GrpoLoss implements AutoCloseable {

    private final GrpoLossConfig config;
    private final NDManager constants;
    private final NDArray zero;
    private final NDArray one;
    private final NDArray lowerBound;
    private final NDArray upperBound;
    private final NDArray beta;
    private final NDArray dualClip;
    private final NDArray importanceCap;

    /**
     * Creates the loss and its constants on a sub-manager of {@code manager}, which must outlive
     * every backward pass through the loss.
     */
    public GrpoLoss(NDManager manager, GrpoLossConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.constants = manager.newSubManager();
        this.zero = constant(0.0);
        this.one = constant(1.0);
        this.lowerBound = constant(1.0 - config.epsilonLow());
        this.upperBound = constant(1.0 + config.epsilonHigh());
        this.beta = constant(config.beta());
        this.dualClip = config.dualClip() == null ? null : constant(config.dualClip());
        this.importanceCap = Double.isInfinite(config.importanceWeightCap())
                ? null : constant(config.importanceWeightCap());
    }

    /** Returns the settings of this loss. */
    public GrpoLossConfig config() {
        return config;
    }

    /**
     * Computes the standard GRPO loss of a batch that is its own whole batch (one micro-batch).
     *
     * @param logProbs log-probabilities of the sampled tokens under the current policy, [B, T]
     *     float32, differentiable
     * @param behaviourLogProbs log-probabilities under the policy that sampled the tokens, [B, T]
     * @param referenceLogProbs log-probabilities under the frozen reference policy, [B, T]
     * @param advantages advantage per completion, [B]
     * @param mask 1 for completion tokens that count and 0 elsewhere, [B, T]
     */
    public GrpoLossResult compute(NDArray logProbs, NDArray behaviourLogProbs,
            NDArray referenceLogProbs, NDArray advantages, NDArray mask) {
        return compute(logProbs, behaviourLogProbs, null, referenceLogProbs, advantages, mask,
                BatchTotals.ofMask(mask));
    }

    /**
     * Computes the loss of one micro-batch. The losses of all micro-batches of a batch, each with
     * the same {@code totals}, add up to the loss of the whole batch.
     *
     * @param logProbs log-probabilities of the sampled tokens under the current policy, [B, T]
     *     float32, differentiable
     * @param behaviourLogProbs log-probabilities under the policy that sampled the tokens, [B, T]
     * @param proximalLogProbs log-probabilities under the proximal policy, [B, T], for the
     *     decoupled objective, or {@code null} for the standard objective
     * @param referenceLogProbs log-probabilities under the frozen reference policy, [B, T]
     * @param advantages advantage per completion, [B]
     * @param mask 1 for completion tokens that count and 0 elsewhere, [B, T]
     * @param totals counts over the whole batch, for the aggregation's divisors
     */
    public GrpoLossResult compute(NDArray logProbs, NDArray behaviourLogProbs, NDArray proximalLogProbs,
            NDArray referenceLogProbs, NDArray advantages, NDArray mask, BatchTotals totals) {
        checkShapes(logProbs, behaviourLogProbs, proximalLogProbs, referenceLogProbs, advantages, mask);
        NDArray completion = mask.toType(DataType.FLOAT32, true).gt(zero); // [B, T]
        NDArray maskFloat = completion.toType(DataType.FLOAT32, false); // [B, T]
        // Replacing values outside the mask by 0 keeps padding with -inf log-probs out of exp()
        // and out of backward, where 0 * inf would be NaN.
        NDArray policy = NDArrays.where(completion, logProbs, zero); // [B, T]
        NDArray behaviour = NDArrays.where(completion, ownedCopy(behaviourLogProbs), zero); // [B, T]
        NDArray anchor = proximalLogProbs == null
                ? behaviour : NDArrays.where(completion, ownedCopy(proximalLogProbs), zero); // [B, T]
        NDArray reference = NDArrays.where(completion, ownedCopy(referenceLogProbs), zero); // [B, T]
        NDArray advantage = ownedCopy(advantages).expandDims(1); // [B, 1]

        // Ratio r = pi_theta(o_t) / pi_anchor(o_t) = exp(logp - logp_anchor); the anchor is the
        // behaviour policy, or the proximal policy in the decoupled objective.
        NDArray ratio = policy.sub(anchor).exp(); // [B, T]
        NDArray objective = surrogate(ratio, advantage); // [B, T]
        NDArray rawWeight = proximalLogProbs == null ? null : anchor.sub(behaviour).exp(); // [B, T]
        if (rawWeight != null) {
            objective = objective.mul(importanceWeight(rawWeight));
        }
        NDArray kl = k3(policy, reference); // [B, T]

        // Per-token loss l = -objective + beta * k3, the negated objective of DeepSeekMath
        // (arXiv 2402.03300, section 4.1), which maximises the surrogate minus beta * KL.
        NDArray perToken = objective.neg().add(kl.mul(beta)); // [B, T]
        NDArray weights = config.aggregation().weights(maskFloat, totals); // [B, T]
        NDArray loss = perToken.mul(weights).sum(); // []
        return statistics(loss, ratio, objective, kl, advantage, rawWeight, maskFloat, weights);
    }

    /**
     * Clipped surrogate objective per token.
     *
     * <p>PPO/GRPO (DeepSeekMath, arXiv 2402.03300, section 4.1):
     * {@code objective = min(r * A, clip(r, 1 - eps_low, 1 + eps_high) * A)}. With
     * {@code eps_high = eps_low} this is plain GRPO. A larger {@code eps_high} is DAPO's
     * clip-higher (Yu et al. 2025, arXiv 2503.14476), which lets low-probability tokens with A > 0
     * grow further.
     *
     * <p>Dual clip (Ye et al. 2020, "Mastering Complex Control in MOBA Games with Deep
     * Reinforcement Learning", arXiv 1912.09729): for A < 0,
     * {@code objective = max(objective, c * A)}, which bounds the loss of a token whose ratio has
     * grown very large. It is written as {@code max(objective, c * min(A, 0))}, which leaves A >= 0
     * unchanged because the bound is then 0 and the objective {@code r * A} or {@code clip(r) * A}
     * is never below 0 for r > 0.
     */
    private NDArray surrogate(NDArray ratio, NDArray advantage) {
        NDArray unclipped = ratio.mul(advantage); // [B, T]
        // clip(r, lo, hi) = max(min(r, hi), lo), with array bounds instead of NDArray.clip(Number, Number).
        NDArray clippedRatio = ratio.minimum(upperBound).maximum(lowerBound); // [B, T]
        NDArray objective = unclipped.minimum(clippedRatio.mul(advantage)); // [B, T]
        if (dualClip == null) {
            return objective;
        }
        return objective.maximum(advantage.minimum(zero).mul(dualClip));
    }

    /**
     * Returns the importance weight of the decoupled objective (AReaL, Fu et al. 2025, arXiv
     * 2505.24298): {@code w = min(pi_prox / pi_behaviour, cap)}, computed from detached inputs. The
     * clipped surrogate keeps the policy near the proximal policy, and w corrects for the samples
     * having been drawn from the older behaviour policy. The cap bounds the variance that a token far
     * more likely now than when it was sampled would add.
     */
    private NDArray importanceWeight(NDArray rawWeight) {
        return importanceCap == null ? rawWeight : rawWeight.minimum(importanceCap);
    }

    /**
     * k3 estimator of KL(pi_theta || pi_ref) per token (J. Schulman, "Approximating KL
     * Divergence", 2020), as used by DeepSeekMath (arXiv 2402.03300, section 4.1):
     * {@code k3 = exp(ref - logp) - (ref - logp) - 1}. Its expectation under pi_theta is the KL
     * divergence, it is never negative because {@code e^x >= 1 + x}, and it is exactly 0 where the
     * two log-probs are equal.
     */
    private NDArray k3(NDArray policy, NDArray reference) {
        NDArray logRatio = reference.sub(policy); // [B, T]
        return logRatio.exp().sub(logRatio).sub(one);
    }

    /** Reads every statistic in one transfer from the engine. */
    private GrpoLossResult statistics(NDArray loss, NDArray ratio, NDArray objective, NDArray kl,
            NDArray advantage, NDArray rawWeight, NDArray maskFloat, NDArray weights) {
        NDArray detachedRatio = ratio.stopGradient();
        NDArray negative = advantage.lt(zero).toType(DataType.FLOAT32, false); // [B, 1]
        NDArray positive = advantage.gt(zero).toType(DataType.FLOAT32, false); // [B, 1]
        NDArray weight = rawWeight == null ? maskFloat : importanceWeight(rawWeight).mul(maskFloat);
        NDArray capped = rawWeight == null || importanceCap == null
                ? maskFloat.mul(zero) : rawWeight.gt(importanceCap).toType(DataType.FLOAT32, false).mul(maskFloat);
        NDArray dualClipped = dualClip == null
                ? maskFloat.mul(zero) : hits(detachedRatio.gt(dualClip), negative, maskFloat);
        NDList sums = new NDList(
                maskFloat.sum(),
                objective.stopGradient().neg().mul(weights).sum(),
                kl.stopGradient().mul(weights).sum(),
                detachedRatio.mul(maskFloat).sum(),
                hits(detachedRatio.lt(lowerBound), negative, maskFloat).sum(),
                hits(detachedRatio.gt(upperBound), positive, maskFloat).sum(),
                dualClipped.sum(),
                weight.sum(),
                capped.sum());
        float[] values = NDArrays.stack(sums).toFloatArray();
        return new GrpoLossResult(loss, values[1], values[2], (long) values[0], values[3],
                (long) values[4], (long) values[5], (long) values[6], values[7], (long) values[8]);
    }

    /** Marks completion tokens where {@code condition} is true and the row matches, [B, T]. */
    private static NDArray hits(NDArray condition, NDArray rowMatches, NDArray maskFloat) {
        return condition.toType(DataType.FLOAT32, false).mul(rowMatches).mul(maskFloat);
    }

    /** Copies a non-differentiable input into engine-owned float32 memory, detached from any graph. */
    private static NDArray ownedCopy(NDArray input) {
        return input.stopGradient().toType(DataType.FLOAT32, true);
    }

    /** Creates a 0-d float32 constant whose memory the engine owns, not a Java buffer. */
    private NDArray constant(double value) {
        try (NDArray buffered = constants.create((float) value)) {
            return buffered.duplicate();
        }
    }

    private static void checkShapes(NDArray logProbs, NDArray behaviourLogProbs, NDArray proximalLogProbs,
            NDArray referenceLogProbs, NDArray advantages, NDArray mask) {
        Shape shape = logProbs.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("logProbs must have shape [B, T], got " + shape);
        }
        if (logProbs.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("logProbs must be float32, got " + logProbs.getDataType());
        }
        requireShape("behaviourLogProbs", behaviourLogProbs, shape);
        if (proximalLogProbs != null) {
            requireShape("proximalLogProbs", proximalLogProbs, shape);
        }
        requireShape("referenceLogProbs", referenceLogProbs, shape);
        requireShape("mask", mask, shape);
        requireShape("advantages", advantages, new Shape(shape.get(0)));
    }

    private static void requireShape(String name, NDArray array, Shape expected) {
        if (!array.getShape().equals(expected)) {
            throw new IllegalArgumentException(
                    name + " must have shape " + expected + ", got " + array.getShape());
        }
    }

    /** Closes the constants; no backward pass through this loss may run afterwards. */
    @Override
    public void close() {
        constants.close();
    }
}
