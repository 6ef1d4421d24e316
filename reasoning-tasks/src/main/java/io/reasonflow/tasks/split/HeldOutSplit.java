package io.reasonflow.tasks.split;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Hash-based train/eval split on the question text.
 *
 * <p>Each question is assigned to exactly one side by the first 8 bytes of the SHA-256 of its
 * UTF-8 text, reduced modulo 10,000 and compared with {@code evalFraction}. The assignment depends
 * only on the question text and the fraction, so a train set and an eval set built with the same
 * fraction can never share a question, whatever seeds or counts produced them.
 */
public final class HeldOutSplit {

    /** Side of the split that a question belongs to. */
    public enum Side {
        TRAIN,
        EVAL
    }

    private static final int BUCKETS = 10_000;

    private final double evalFraction;
    private final int evalBuckets;

    /**
     * Creates a split that sends about {@code evalFraction} of all questions to {@link Side#EVAL}.
     *
     * @param evalFraction fraction of questions held out, in (0, 1), at a resolution of 1/10,000
     */
    public HeldOutSplit(double evalFraction) {
        if (!(evalFraction > 0.0 && evalFraction < 1.0)) {
            throw new IllegalArgumentException(
                    "evalFraction must be in (0, 1), got " + evalFraction);
        }
        this.evalFraction = evalFraction;
        this.evalBuckets = Math.max(1, (int) Math.round(evalFraction * BUCKETS));
    }

    /** Returns the fraction of questions that this split holds out for evaluation. */
    public double evalFraction() {
        return evalFraction;
    }

    /** Returns the side that {@code question} belongs to. */
    public Side sideOf(String question) {
        return bucketOf(question) < evalBuckets ? Side.EVAL : Side.TRAIN;
    }

    /** Returns {@code true} when {@code question} belongs to {@code side}. */
    public boolean contains(Side side, String question) {
        return sideOf(question) == side;
    }

    private static int bucketOf(String question) {
        byte[] digest = sha256(question.getBytes(StandardCharsets.UTF_8));
        long prefix = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            prefix = (prefix << 8) | (digest[i] & 0xFF);
        }
        return (int) Long.remainderUnsigned(prefix, BUCKETS);
    }

    private static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (java.security.MessageDigest documentation).
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
