package io.reasonflow.model.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Figures of one {@link ModelBenchmark} run.
 *
 * @param trainMfu                         training model FLOP/s over the measured matmul FLOP/s
 * @param decodeKvSpeedup                  decoding tokens/s with the KV cache over full recomputation
 * @param decodeTokensPerSecond            new tokens per second with the KV cache
 * @param trainTokensPerSecond             tokens per second through a full training step
 * @param matmulFlopsPerSecond             measured float32 matmul FLOP/s, the MFU denominator
 * @param trainFlopsPerSecond              model FLOPs of a step per second, the MFU numerator
 * @param trainStepSeconds                 seconds of one training step
 * @param trainParameters                  parameters of the training model
 * @param decodeParameters                 parameters of the decoding model
 * @param decodeRecomputeTokensPerSecond   new tokens per second with full recomputation
 * @param decodeMatchingRows               rows whose greedy tokens agree between the two decoding ways
 */
public record BenchmarkFigures(
        double trainMfu,
        double decodeKvSpeedup,
        double decodeTokensPerSecond,
        double trainTokensPerSecond,
        double matmulFlopsPerSecond,
        double trainFlopsPerSecond,
        double trainStepSeconds,
        long trainParameters,
        long decodeParameters,
        double decodeRecomputeTokensPerSecond,
        int decodeMatchingRows) {

    /** Returns the figures by their printed names, headline figures first. */
    public Map<String, String> byName() {
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("train_mfu", format(trainMfu, 3));
        figures.put("decode_kv_speedup", format(decodeKvSpeedup, 2));
        figures.put("decode_tokens_per_second", format(decodeTokensPerSecond, 1));
        figures.put("train_tokens_per_second", format(trainTokensPerSecond, 1));
        figures.put("matmul_gflops", format(matmulFlopsPerSecond / 1e9, 2));
        figures.put("train_model_gflops", format(trainFlopsPerSecond / 1e9, 2));
        figures.put("train_step_seconds", format(trainStepSeconds, 3));
        figures.put("train_parameters", Long.toString(trainParameters));
        figures.put("decode_parameters", Long.toString(decodeParameters));
        figures.put("decode_recompute_tokens_per_second", format(decodeRecomputeTokensPerSecond, 1));
        figures.put("decode_matching_rows", Integer.toString(decodeMatchingRows));
        return figures;
    }

    private static String format(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
