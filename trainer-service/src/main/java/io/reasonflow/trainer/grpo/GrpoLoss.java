package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * GRPO loss on per-token log-probabilities: clipped surrogate with optional clip-higher and dual
 * clip, plus the k3 KL penalty to a reference policy, computed per token and aggregated once with
 * the completion mask.
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
    }

    /** Returns the settings of this loss. */
    public GrpoLossConfig config() {
        return config;
    }

    /**
     * Computes the loss of one batch of completions.
     *
     * @param logProbs log-probabilities of the sampled tokens under the current policy, [B, T]
     *     float32, differentiable
     * @param behaviourLogProbs log-probabilities under the policy that sampled the tokens, [B, T]
     * @param referenceLogProbs log-probabilities under the frozen reference policy, [B, T]
     * @param advantages advantage per completion, [B]
     * @param mask 1 for completion tokens and 0 for prompt and padding tokens, [B, T]. Values of
     *     the other inputs where the mask is 0 are ignored and may be infinite
     */
    public GrpoLossResult compute(NDArray logProbs, NDArray behaviourLogProbs,
            NDArray referenceLogProbs, NDArray advantages, NDArray mask) {
        checkShapes(logProbs, behaviourLogProbs, referenceLogProbs, advantages, mask);
        NDArray completion = mask.toType(DataType.FLOAT32, true).gt(zero);
        NDArray maskFloat = completion.toType(DataType.FLOAT32, false);
        // Replacing values outside the mask by 0 keeps padding with -inf log-probs out of exp()
        // and out of backward, where 0 * inf would be NaN.
        NDArray policy = NDArrays.where(completion, logProbs, zero);
        NDArray behaviour = NDArrays.where(completion, ownedCopy(behaviourLogProbs), zero);
        NDArray reference = NDArrays.where(completion, ownedCopy(referenceLogProbs), zero);
        NDArray advantage = ownedCopy(advantages).expandDims(1);

        // Importance ratio r = pi_theta(o_t) / pi_behaviour(o_t) = exp(logp - logp_behaviour).
        NDArray ratio = policy.sub(behaviour).exp();
        NDArray objective = surrogate(ratio, advantage);
        NDArray kl = k3(policy, reference);

        // Per-token loss l = -objective + beta * k3, the negated objective of DeepSeekMath
        // (arXiv 2402.03300, section 4.1), which maximises the surrogate minus beta * KL.
        NDArray perToken = objective.neg().add(kl.mul(beta));
        NDArray loss = config.aggregation().aggregate(perToken, maskFloat, one);
        return statistics(loss, ratio, objective, kl, advantage, maskFloat);
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
     * Reinforcement Learning"): for A < 0, {@code objective = max(objective, c * A)}, which bounds
     * the loss of a token whose ratio has grown very large. It is written as
     * {@code max(objective, c * min(A, 0))}, which leaves A >= 0 unchanged because the bound is
     * then 0 and the objective {@code r * A} or {@code clip(r) * A} is never below 0 for r > 0.
     */
    private NDArray surrogate(NDArray ratio, NDArray advantage) {
        NDArray unclipped = ratio.mul(advantage);
        // clip(r, lo, hi) = max(min(r, hi), lo), with array bounds instead of NDArray.clip(Number, Number).
        NDArray clippedRatio = ratio.minimum(upperBound).maximum(lowerBound);
        NDArray objective = unclipped.minimum(clippedRatio.mul(advantage));
        if (dualClip == null) {
            return objective;
        }
        return objective.maximum(advantage.minimum(zero).mul(dualClip));
    }

    /**
     * k3 estimator of KL(pi_theta || pi_ref) per token, as in DeepSeekMath (arXiv 2402.03300,
     * section 4.1): {@code k3 = exp(ref - logp) - (ref - logp) - 1}. Its expectation under
     * pi_theta is the KL divergence, and it is never negative because {@code e^x >= 1 + x}.
     */
    private NDArray k3(NDArray policy, NDArray reference) {
        NDArray logRatio = reference.sub(policy);
        return logRatio.exp().sub(logRatio).sub(one);
    }

    private GrpoLossResult statistics(NDArray loss, NDArray ratio, NDArray objective, NDArray kl,
            NDArray advantage, NDArray maskFloat) {
        long tokens = (long) scalar(maskFloat.sum());
        if (tokens == 0) {
            return new GrpoLossResult(loss, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0);
        }
        NDArray detachedRatio = ratio.stopGradient();
        NDArray negative = advantage.lt(zero).toType(DataType.FLOAT32, false);
        NDArray positive = advantage.gt(zero).toType(DataType.FLOAT32, false);
        double clipLow = tokenShare(detachedRatio.lt(lowerBound), negative, maskFloat, tokens);
        double clipHigh = tokenShare(detachedRatio.gt(upperBound), positive, maskFloat, tokens);
        double dualClipShare = dualClip == null
                ? 0.0
                : tokenShare(detachedRatio.gt(dualClip), negative, maskFloat, tokens);
        double meanRatio = scalar(detachedRatio.mul(maskFloat).sum()) / tokens;
        LossAggregation aggregation = config.aggregation();
        double policyLoss = scalar(aggregation.aggregate(objective.stopGradient().neg(), maskFloat, one));
        double meanKl = scalar(aggregation.aggregate(kl.stopGradient(), maskFloat, one));
        return new GrpoLossResult(loss, policyLoss, meanKl, meanRatio, clipLow, clipHigh,
                dualClipShare, tokens);
    }

    /** Returns the share of completion tokens where {@code condition} is true and the row matches. */
    private static double tokenShare(NDArray condition, NDArray rowMatches, NDArray maskFloat,
            long tokens) {
        NDArray hits = condition.toType(DataType.FLOAT32, false).mul(rowMatches).mul(maskFloat);
        return scalar(hits.sum()) / tokens;
    }

    private static double scalar(NDArray array) {
        return array.toFloatArray()[0];
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

    private static void checkShapes(NDArray logProbs, NDArray behaviourLogProbs,
            NDArray referenceLogProbs, NDArray advantages, NDArray mask) {
        Shape shape = logProbs.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("logProbs must have shape [B, T], got " + shape);
        }
        if (logProbs.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("logProbs must be float32, got " + logProbs.getDataType());
        }
        requireShape("behaviourLogProbs", behaviourLogProbs, shape);
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
