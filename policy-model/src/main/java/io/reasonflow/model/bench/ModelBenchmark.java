package io.reasonflow.model.bench;

import ai.djl.ndarray.NDManager;
import io.reasonflow.model.ModelConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the policy model on the engine it runs on: training throughput as model FLOPs utilization against the
 * engine's own float32 matmul speed, and the speedup of KV-cached decoding over recomputing every step.
 */
public final class ModelBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(ModelBenchmark.class);

    /**
     * Model shapes, batch sizes and repeat counts of a benchmark run.
     *
     * @param trainConfig     the model of the training step
     * @param trainBatch      sequences per training step
     * @param trainLength     tokens per training sequence
     * @param trainSteps      timed training steps, after one warm-up step
     * @param decodeConfig    the model that decodes
     * @param decodeBatch     rows decoded together
     * @param promptLength    tokens per prompt
     * @param newTokens       tokens generated per row
     * @param decodeRepeats   timed recomputing runs, after one warm-up run; the cached way gets eight times as many
     * @param cachedWarmup    untimed cached decoding runs, which let the JIT compiler optimize the decoding loop
     * @param matmulSizes     square matrix sizes for the matmul peak
     * @param matmulRepeats   timed products per size
     * @param seed            seed of weights and tokens
     */
    public record Settings(ModelConfig trainConfig, int trainBatch, int trainLength, int trainSteps,
            ModelConfig decodeConfig, int decodeBatch, int promptLength, int newTokens, int decodeRepeats,
            int cachedWarmup, int[] matmulSizes, int matmulRepeats, long seed) {

        /**
         * Returns the standard run. It trains a 4.8M-parameter model (hidden 384, 3 layers, 6 heads over 2
         * key/value heads, intermediate 1024, byte vocabulary) on 16 sequences of 256 tokens. It decodes 48 tokens
         * after 16-token prompts for 64 rows with a 0.8M-parameter model (4 layers of width 128).
         */
        public static Settings standard() {
            ModelConfig train = new ModelConfig(259, 384, 3, 6, 2, 1024, 512, 10_000.0, 1e-5, true, 256, 257);
            ModelConfig decode = new ModelConfig(259, 128, 4, 4, 2, 384, 512, 10_000.0, 1e-5, true, 256, 257);
            return new Settings(train, 16, 256, 4, decode, 64, 16, 48, 3, DecodeBenchmark.CACHED_WARMUP_RUNS,
                    new int[] {512, 1024, 2048}, 3, 7);
        }

        /** Returns a run of a few seconds with tiny models, which checks the wiring rather than the speed. */
        public static Settings quick() {
            ModelConfig tiny = new ModelConfig(259, 64, 2, 4, 2, 128, 128, 10_000.0, 1e-5, true, 256, 257);
            return new Settings(tiny, 2, 32, 1, tiny, 4, 4, 6, 1, 1, new int[] {256}, 2, 7);
        }
    }

    /**
     * Runs every measurement of {@code settings} and returns the figures. The matmul peak is measured before and
     * after the training steps, and the higher value is kept. A busy moment on a shared machine then lowers the
     * peak no more than the step. For the same reason every timing is the fastest of its repeats.
     */
    public BenchmarkFigures run(Settings settings) {
        double before = matmulPeak(settings);
        TrainStepBenchmark.Timing train = TrainStepBenchmark.run(settings.trainConfig(), settings.trainBatch(),
                settings.trainLength(), 1, settings.trainSteps(), settings.seed());
        double matmul = Math.max(before, matmulPeak(settings));
        LOG.info("Matmul peak {} GFLOP/s", matmul / 1e9);
        double stepFlops = TrainingFlops.perStep(settings.trainConfig(), settings.trainBatch(), settings.trainLength());
        LOG.info("Training step {} s, loss {}", train.secondsPerStep(), train.lastLoss());
        DecodeBenchmark.Timing decode = DecodeBenchmark.run(settings.decodeConfig(), settings.decodeBatch(),
                settings.promptLength(), settings.newTokens(), settings.decodeRepeats(), settings.cachedWarmup(),
                settings.seed());
        double generated = (double) settings.decodeBatch() * settings.newTokens();
        double trainFlopsPerSecond = stepFlops / train.secondsPerStep();
        return new BenchmarkFigures(
                trainFlopsPerSecond / matmul,
                decode.recomputeSeconds() / decode.cachedSeconds(),
                generated / decode.cachedSeconds(),
                settings.trainBatch() * (double) settings.trainLength() / train.secondsPerStep(),
                matmul,
                trainFlopsPerSecond,
                train.secondsPerStep(),
                settings.trainConfig().parameterCount(),
                settings.decodeConfig().parameterCount(),
                generated / decode.recomputeSeconds(),
                decode.matchingRows());
    }

    private static double matmulPeak(Settings settings) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return MatmulPeak.measure(manager, settings.matmulSizes(), settings.matmulRepeats());
        }
    }
}
