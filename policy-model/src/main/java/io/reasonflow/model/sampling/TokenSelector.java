package io.reasonflow.model.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits and reports its log-probability.
 *
 * <p>With temperature t > 0 the distribution is softmax(logits / t), restricted to the top-k tokens and then to
 * the top-p nucleus, and renormalised after each restriction. The reported log-prob is the log of the
 * renormalised probability of the sampled token, i.e. under the distribution actually sampled from.
 *
 * <p>With temperature 0 the token is the argmax (lowest id on ties) and the reported log-prob is that of the
 * argmax under the untempered, untruncated softmax(logits). The greedy distribution itself is a point mass with
 * log-prob 0, which carries no information. The untempered value is what a trainer computes with inverse
 * temperature 1.
 */
public final class TokenSelector {
    /** Tolerance when comparing the cumulative nucleus mass with topP, so float rounding adds no token. */
    static final double TOP_P_TOLERANCE = 1e-6;

    private TokenSelector() {
    }

    /**
     * A chosen token.
     *
     * @param token   token id
     * @param logProb its log-probability as described in the class comment
     */
    public record Selection(int token, float logProb) {
    }

    /** Chooses a token from {@code logits[offset, offset + vocab)}. */
    public static Selection select(float[] logits, int offset, int vocab, SamplingOptions options,
            SplittableRandom random) {
        if (options.temperature() == 0) {
            return greedy(logits, offset, vocab);
        }
        Distribution distribution = distribution(logits, offset, vocab, options);
        double threshold = random.nextDouble() * distribution.total;
        double cumulative = 0;
        int chosen = distribution.keptCount - 1;
        for (int rank = 0; rank < distribution.keptCount; rank++) {
            cumulative += distribution.weights[rank];
            if (threshold < cumulative) {
                chosen = rank;
                break;
            }
        }
        float logProb = (float) Math.log(distribution.weights[chosen] / distribution.total);
        return new Selection(distribution.tokens[chosen], logProb);
    }

    /**
     * Returns the probabilities that {@link #select} samples from for a row of {@code vocab} logits, with zeros
     * for the tokens that top-k or top-p removed. Requires temperature > 0.
     */
    public static double[] probabilities(float[] logits, SamplingOptions options) {
        if (options.temperature() == 0) {
            throw new IllegalArgumentException("greedy decoding has no sampling distribution");
        }
        Distribution distribution = distribution(logits, 0, logits.length, options);
        double[] probabilities = new double[logits.length];
        for (int rank = 0; rank < distribution.keptCount; rank++) {
            probabilities[distribution.tokens[rank]] = distribution.weights[rank] / distribution.total;
        }
        return probabilities;
    }

    private static Selection greedy(float[] logits, int offset, int vocab) {
        int best = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int token = 0; token < vocab; token++) {
            if (logits[offset + token] > max) {
                max = logits[offset + token];
                best = token;
            }
        }
        double sum = 0;
        for (int token = 0; token < vocab; token++) {
            sum += Math.exp(logits[offset + token] - max);
        }
        return new Selection(best, (float) -Math.log(sum));
    }

    /** Tokens sorted by descending probability, their unnormalised weights, and how many lead tokens are kept. */
    private static final class Distribution {
        int[] tokens;
        double[] weights;
        int keptCount;
        double total;
    }

    private static Distribution distribution(float[] logits, int offset, int vocab, SamplingOptions options) {
        Distribution distribution = new Distribution();
        distribution.tokens = sortedByLogit(logits, offset, vocab);
        distribution.keptCount = options.topK() > 0 ? Math.min(options.topK(), vocab) : vocab;
        distribution.weights = new double[distribution.keptCount];
        double max = logits[offset + distribution.tokens[0]] / options.temperature();
        double total = 0;
        for (int rank = 0; rank < distribution.keptCount; rank++) {
            double scaled = logits[offset + distribution.tokens[rank]] / options.temperature();
            distribution.weights[rank] = Math.exp(scaled - max);
            total += distribution.weights[rank];
        }
        if (options.topP() < 1) {
            distribution.keptCount = nucleusSize(distribution.weights, distribution.keptCount, total, options.topP());
            total = 0;
            for (int rank = 0; rank < distribution.keptCount; rank++) {
                total += distribution.weights[rank];
            }
        }
        distribution.total = total;
        return distribution;
    }

    /** Returns the number of leading (most likely) tokens whose probability mass first reaches {@code topP}. */
    private static int nucleusSize(double[] weights, int kept, double total, double topP) {
        double cumulative = 0;
        for (int rank = 0; rank < kept; rank++) {
            cumulative += weights[rank] / total;
            if (cumulative >= topP - TOP_P_TOLERANCE) {
                return rank + 1;
            }
        }
        return kept;
    }

    /** Returns token ids ordered by descending logit, lower id first on ties. */
    private static int[] sortedByLogit(float[] logits, int offset, int vocab) {
        long[] keys = new long[vocab];
        for (int token = 0; token < vocab; token++) {
            keys[token] = ((long) ascendingKey(-logits[offset + token]) << 32) | token;
        }
        Arrays.sort(keys);
        int[] tokens = new int[vocab];
        for (int rank = 0; rank < vocab; rank++) {
            tokens[rank] = (int) keys[rank];
        }
        return tokens;
    }

    /** Maps a float to an int whose signed order matches the float order. */
    private static int ascendingKey(float value) {
        int bits = Float.floatToIntBits(value);
        return bits ^ ((bits >> 31) & 0x7FFF_FFFF);
    }
}
