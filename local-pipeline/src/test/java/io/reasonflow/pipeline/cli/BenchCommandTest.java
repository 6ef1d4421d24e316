package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code reasonflow bench}: the model benchmark prints every figure as a {@code name: value} line. */
class BenchCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return ReasonflowCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void benchWithoutTargetIsUsageError() {
        assertThat(run("bench")).isEqualTo(2);
    }

    @Test
    @Timeout(120)
    void quickModelBenchPrintsFigures() {
        assertThat(run("bench", "model", "--quick")).isZero();

        for (String name : new String[] {"train_mfu", "decode_kv_speedup", "decode_tokens_per_second",
            "train_tokens_per_second"}) {
            assertThat(out.toString()).as("figure %s", name).containsPattern("(?m)^" + name + ": [0-9.]+$");
        }
    }

    @Test
    @Timeout(300)
    void quickPipelineBenchPrintsFigures() {
        assertThat(run("bench", "pipeline", "--quick")).as(err.toString()).isZero();

        for (String name : new String[] {"pipeline_overhead", "async_speedup", "reward_vs_passthrough", "weight_sync",
            "kafka_bytes_per_token"}) {
            assertThat(out.toString()).as("figure %s", name).containsPattern("(?m)^" + name + ": [0-9.]+$");
        }
    }

    @Test
    @Timeout(120)
    void pipelineBenchRunsOnlyChosenPart() {
        assertThat(run("bench", "pipeline", "--quick", "--only", "reward")).as(err.toString()).isZero();

        assertThat(out.toString()).containsPattern("(?m)^reward_vs_passthrough: [0-9.]+$");
        assertThat(out.toString()).doesNotContain("pipeline_overhead").doesNotContain("weight_sync");
    }

    @Test
    void unknownPartIsUsageError() {
        assertThat(run("bench", "pipeline", "--only", "everything")).isEqualTo(2);
        assertThat(err.toString()).contains("everything").contains("TRAINING");
    }

    @Test
    void unknownStepSizeIsUsageError() {
        assertThat(run("bench", "pipeline", "--step-size", "huge")).isEqualTo(2);
        assertThat(err.toString()).contains("huge").contains("DEMO").contains("SMALL");
    }
}
