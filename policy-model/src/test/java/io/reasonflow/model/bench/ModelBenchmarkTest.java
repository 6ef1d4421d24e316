package io.reasonflow.model.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.reasonflow.model.ModelConfig;
import org.junit.jupiter.api.Test;

class ModelBenchmarkTest {

    @Test
    void quickRunReportsFigures() {
        ModelBenchmark.Settings settings = ModelBenchmark.Settings.quick();
        BenchmarkFigures figures = new ModelBenchmark().run(settings);
        assertThat(figures.byName()).containsKeys("train_mfu", "decode_kv_speedup", "decode_tokens_per_second",
                "train_tokens_per_second");
        assertThat(figures.trainMfu()).isPositive().isFinite();
        assertThat(figures.decodeKvSpeedup()).isPositive().isFinite();
        assertThat(figures.decodeTokensPerSecond()).isPositive();
        assertThat(figures.trainTokensPerSecond()).isPositive();
        // Greedy decoding with and without the cache picks the same tokens.
        assertThat(figures.decodeMatchingRows()).isEqualTo(settings.decodeBatch());
        assertThat(figures.byName().get("train_parameters"))
                .isEqualTo(Long.toString(settings.trainConfig().parameterCount()));
    }

    @Test
    void standardModelSizes() {
        ModelBenchmark.Settings settings = ModelBenchmark.Settings.standard();
        assertThat(settings.trainConfig().parameterCount()).isBetween(4_500_000L, 5_500_000L);
        assertThat(settings.decodeConfig().parameterCount()).isBetween(750_000L, 850_000L);
        assertThat(settings.decodeConfig().numHiddenLayers()).isEqualTo(4);
        assertThat(settings.decodeConfig().hiddenSize()).isEqualTo(128);
        assertThat(settings.decodeBatch()).isEqualTo(64);
        assertThat(settings.promptLength()).isEqualTo(16);
        assertThat(settings.newTokens()).isEqualTo(48);
    }

    @Test
    void trainingFlopsFormula() {
        ModelConfig config = new ModelConfig(100, 64, 2, 4, 2, 128, 128, 10_000.0, 1e-5, true, 1, 2);
        // Per layer: q and o 64x64, k and v 32x64, MLP 3 x 64x128; head 100x64.
        long matrix = 2 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 64 * 128) + 100 * 64;
        assertThat(TrainingFlops.matrixParameters(config)).isEqualTo(matrix);
        // 6 N per token plus 12 L D T per token, for 3 sequences of 10 tokens.
        double expected = 30 * (6.0 * matrix + 12.0 * 2 * 64 * 10);
        assertThat(TrainingFlops.perStep(config, 3, 10)).isCloseTo(expected, within(1e-6));
    }
}
