package io.reasonflow.trainer.checkpoint;

import java.util.Random;

/**
 * A random generator whose whole state is one {@code long} that a checkpoint can store, so a resumed run
 * continues the exact sequence. The generator is SplitMix64 (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014): the state advances by a fixed odd constant and each
 * output is a bijective mix of the new state.
 *
 * <p>It extends {@link Random} so that library code that takes one (such as
 * {@link java.util.Collections#shuffle(java.util.List, Random)}) draws from it. {@link Random} keeps a
 * cached second Gaussian that would not be saved, so {@link #nextGaussian()} here caches nothing.
 * Not thread-safe: one training thread uses it.
 */
public final class CheckpointRandom extends Random {
    private static final long serialVersionUID = 1L;
    private static final long GOLDEN_GAMMA = 0x9E37_79B9_7F4A_7C15L;

    /** Not initialised in a field initialiser: {@link Random}'s constructor sets it through {@link #setSeed}. */
    private long state;

    private CheckpointRandom(long state) {
        super(state);
        this.state = state;
    }

    /** Returns a generator seeded from {@code seed}; different seeds give unrelated sequences. */
    public static CheckpointRandom seeded(long seed) {
        return new CheckpointRandom(mix(seed ^ 0x5DEE_CE66_DL));
    }

    /** Returns a generator that continues from a state read with {@link #state()}. */
    public static CheckpointRandom fromState(long state) {
        return new CheckpointRandom(state);
    }

    /** Returns the state to store; {@link #fromState} continues the sequence from here. */
    public long state() {
        return state;
    }

    @Override
    public void setSeed(long seed) {
        this.state = seed;
    }

    @Override
    public long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    @Override
    protected int next(int bits) {
        return (int) (nextLong() >>> (64 - bits));
    }

    /** Box-Muller on two fresh uniforms; the second value is discarded so that no hidden state remains. */
    @Override
    public double nextGaussian() {
        double u = 1.0 - nextDouble(); // (0, 1], so the logarithm is finite
        double v = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
