package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Checks shared by the end-to-end runs on an in-process broker and on a Testcontainers broker. */
final class SmokeRunAssertions {
    static final List<String> METRIC_FIELDS = List.of("step", "policy_version", "reward_mean", "reward_std",
            "accuracy", "format_rate", "kl", "loss", "clip_fraction_low", "clip_fraction_high", "entropy",
            "importance_weight", "gradient_norm", "learning_rate", "completion_length",
            "truncation_rate", "zero_variance_fraction", "dropped_stale", "tokens_per_second", "staleness",
            "step_seconds", "idle_seconds", "reward_accuracy", "reward_format", "reward_std_accuracy");

    private SmokeRunAssertions() {
    }

    static void assertCompleteRun(LocalPipeline.Result result, Path output) throws IOException {
        assertThat(result.rolloutVersionsUsed()).as("policy versions the rollout service generated with")
                .hasSizeGreaterThanOrEqualTo(3);
        JsonNode summary = Messages.mapper().readTree(output.resolve("summary.json").toFile());
        assertThat(summary.get("policy_versions").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(summary.get("policy_versions_seen_in_rollouts").size()).isGreaterThanOrEqualTo(3);

        JsonNode ledger = summary.get("ledger");
        long published = ledger.get("published").asLong();
        assertThat(published).isPositive();
        assertThat(ledger.get("scored").asLong()).as("every published training group was scored").isEqualTo(published);
        assertThat(ledger.get("dead_lettered").asLong()).isZero();
        assertThat(ledger.get("trained").asLong() + ledger.get("dropped_stale").asLong()
                + ledger.get("filtered").asLong()).as("every scored group reached the trainer")
                .isEqualTo(ledger.get("scored").asLong());
        assertThat(ledger.get("in_flight").asLong()).isZero();
        assertThat(ledger.get("balanced").asBoolean()).isTrue();
        assertThat(ledger.get("eval").get("scored").asLong()).isEqualTo(ledger.get("eval").get("published").asLong());

        List<String> metricLines = Files.readAllLines(output.resolve("metrics.jsonl"));
        assertThat(metricLines).hasSize(summary.get("grpo_steps").asInt());
        for (String line : metricLines) {
            JsonNode step = Messages.mapper().readTree(line);
            for (String field : METRIC_FIELDS) {
                assertThat(step.has(field)).as("metrics line %s has field %s", line, field).isTrue();
                assertThat(step.get(field).isNumber()).as("field %s of %s is a number", field, line).isTrue();
            }
        }
        List<String> evalLines = Files.readAllLines(output.resolve("eval.jsonl"));
        assertThat(evalLines).hasSize(3);
        assertThat(evalLines.get(0)).contains("\"stage\":\"start\"");
        assertThat(evalLines.get(1)).contains("\"stage\":\"sft\"");
        assertThat(evalLines.get(2)).contains("\"stage\":\"final\"");
        assertThat(output.resolve("checkpoints/final/model.safetensors")).isRegularFile();
        assertThat(output.resolve("checkpoints/final/config.json")).isRegularFile();
    }

    static Map<String, String> smokeSettings(String runId, Path output) {
        return io.reasonflow.pipeline.cli.DemoSettingsAccess.smoke(runId, output);
    }
}
