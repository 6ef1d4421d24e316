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

    static Map<String, String> smokeDistillSettings(Map<String, String> trainerSettings) {
        return io.reasonflow.pipeline.cli.DemoSettingsAccess.smokeDistill(trainerSettings);
    }

    /**
     * Checks the distill stage: selection counts that add up, a student of at most a quarter of the teacher's
     * parameters, its files, and the side-by-side evaluation.
     */
    static void assertDistillStage(LocalPipeline.Result result, Path output, Map<String, String> distillSettings)
            throws IOException {
        JsonNode distill = Messages.mapper().readTree(output.resolve("summary.json").toFile()).get("distill");
        assertThat(distill).as("distill section of summary.json").isNotNull();
        JsonNode selection = distill.get("selection");
        long dropped = 0;
        for (JsonNode count : selection.get("dropped")) {
            dropped += count.asLong();
        }
        assertThat(selection.get("completions").asLong()).as("completions of the requested groups")
                .isEqualTo(selection.get("groups").asLong() * Long.parseLong(distillSettings.get("sampling.group-size")));
        assertThat(selection.get("groups_dead_lettered").asLong()).isZero();
        assertThat(selection.get("kept").asLong()).as("traces kept").isPositive();
        assertThat(selection.get("kept").asLong() + dropped).isEqualTo(selection.get("completions").asLong());
        assertThat(distill.get("student_parameters").asLong() * 4)
                .isLessThanOrEqualTo(distill.get("teacher_parameters").asLong());
        long newestVersion = ((Number) result.summary().get("policy_versions")).longValue() - 1;
        assertThat(distill.get("teacher_version").asLong()).as("the trained policy's newest version")
                .isEqualTo(newestVersion);
        Path directory = output.resolve("distill");
        assertThat(Files.readAllLines(directory.resolve("traces.jsonl"))).hasSize(selection.get("kept").asInt());
        assertThat(Files.readAllLines(directory.resolve("metrics.jsonl")))
                .hasSize(distill.get("training").get("steps").asInt());
        assertThat(directory.resolve("checkpoints/student/model.safetensors")).isRegularFile();
        List<String> evalLines = Files.readAllLines(directory.resolve("eval.jsonl"));
        assertThat(evalLines).hasSize(2);
        assertThat(evalLines.get(0)).contains("\"stage\":\"teacher\"");
        assertThat(evalLines.get(1)).contains("\"stage\":\"student-distilled\"");
    }
}
