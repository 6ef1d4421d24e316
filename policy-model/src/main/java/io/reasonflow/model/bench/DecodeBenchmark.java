package io.reasonflow.model.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.sampling.SampledSequence;
import io.reasonflow.model.sampling.Sampler;
import io.reasonflow.model.sampling.SamplingOptions;
import io.reasonflow.model.sampling.TokenSelector;
import io.reasonflow.model.tensor.GradMode;
import io.reasonflow.model.tensor.Slices;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Times greedy decoding of a batch two ways: the {@link Sampler} with its KV cache, and a loop that runs the whole
 * sequence so far through the model for every new token. Both pick tokens with {@link TokenSelector}, so their
 * outputs agree up to float rounding.
 */
final class DecodeBenchmark {
    static final int CACHED_RUNS_PER_REPEAT = 8;
    /**
     * Untimed cached runs before timing. A cached run makes some 240 engine operations per decoding step, and their
     * Java side (the DJL wrappers, the step layout, token selection) keeps getting faster over the first 20 or so
     * runs as the JIT compiler optimizes it.
     */
    static final int CACHED_WARMUP_RUNS = 20;

    private DecodeBenchmark() {
    }

    /**
     * Seconds of each way and how many rows produced identical tokens.
     *
     * @param cachedSeconds    best time of the KV-cache sampler
     * @param recomputeSeconds best time of full recomputation
     * @param matchingRows     rows whose tokens agree between the two
     */
    record Timing(double cachedSeconds, double recomputeSeconds, int matchingRows) {
    }

    /**
     * Decodes {@code newTokens} tokens after random prompts of {@code promptLength} tokens. After one untimed
     * recomputing run and {@code cachedWarmup} untimed cached runs, it times {@code repeats} recomputing runs, each
     * followed by {@link #CACHED_RUNS_PER_REPEAT} cached ones. The cached runs are short and more exposed to other
     * processes on the machine, so they get more tries. Each way reports its fastest run.
     */
    static Timing run(ModelConfig config, int batch, int promptLength, int newTokens, int repeats, int cachedWarmup,
            long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<int[]> prompts = new ArrayList<>();
        for (int row = 0; row < batch; row++) {
            prompts.add(random.ints(promptLength, 0, config.vocabSize()).toArray());
        }
        SamplingOptions options = SamplingOptions.greedy(newTokens, Set.of());
        Sampler sampler = new Sampler();
        try (PolicyModel model = PolicyModel.initialize(config, seed)) {
            List<SampledSequence> cached = sampler.sample(model, prompts, options, seed);
            for (int i = 1; i < cachedWarmup; i++) {
                cached = sampler.sample(model, prompts, options, seed);
            }
            int[][] recomputed = recompute(model, prompts, newTokens);
            double cachedSeconds = Double.POSITIVE_INFINITY;
            double recomputeSeconds = Double.POSITIVE_INFINITY;
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                recomputed = recompute(model, prompts, newTokens);
                recomputeSeconds = Math.min(recomputeSeconds, (System.nanoTime() - start) / 1e9);
                for (int j = 0; j < CACHED_RUNS_PER_REPEAT; j++) {
                    start = System.nanoTime();
                    cached = sampler.sample(model, prompts, options, seed);
                    cachedSeconds = Math.min(cachedSeconds, (System.nanoTime() - start) / 1e9);
                }
            }
            int matching = 0;
            for (int row = 0; row < batch; row++) {
                matching += Arrays.equals(cached.get(row).tokenIds(), recomputed[row]) ? 1 : 0;
            }
            return new Timing(cachedSeconds, recomputeSeconds, matching);
        }
    }

    /** Decodes greedily without a cache: every step runs all T tokens so far, [B,T] ids in, [B,T,V] logits out. */
    private static int[][] recompute(PolicyModel model, List<int[]> prompts, int newTokens) {
        int batch = prompts.size();
        int promptLength = prompts.get(0).length;
        int vocab = model.config().vocabSize();
        SamplingOptions greedy = SamplingOptions.greedy(newTokens, Set.of());
        int[][] generated = new int[batch][newTokens];
        try (GradMode.Scope noGrad = GradMode.disabled(); NDManager manager = model.manager().newSubManager()) {
            for (int step = 0; step < newTokens; step++) {
                int time = promptLength + step;
                long[] ids = new long[batch * time];
                for (int row = 0; row < batch; row++) {
                    for (int t = 0; t < time; t++) {
                        ids[row * time + t] = t < promptLength ? prompts.get(row)[t] : generated[row][t - promptLength];
                    }
                }
                float[] last;
                try (NDManager call = manager.newSubManager()) {
                    NDArray inputIds = call.create(ids, new Shape(batch, time)); // [B,T]
                    NDArray mask = call.ones(new Shape(batch, time), DataType.INT64); // [B,T]
                    NDArray logits = model.forward(inputIds, mask); // [B,T,V]
                    last = Slices.view(logits, 1, time - 1, time).toFloatArray(); // [B*V]
                }
                for (int row = 0; row < batch; row++) {
                    generated[row][step] = TokenSelector.select(last, row * vocab, vocab, greedy, null).token();
                }
            }
        }
        return generated;
    }
}
