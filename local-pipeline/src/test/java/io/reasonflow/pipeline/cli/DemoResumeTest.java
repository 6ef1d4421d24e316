package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.trainer.checkpoint.CheckpointManifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reasonflow demo --resume}: settings come from the checkpoint, and options that disagree are rejected. */
class DemoResumeTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return ReasonflowCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    /** Writes the manifest of a smoke run's step-2 checkpoint into {@code run}, as the trainer would. */
    private static void checkpoint(Path run) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>(DemoSettings.of(true, "demo-run", run, 7, null));
        settings.put("auto-start", "false");
        // The trainer records durations in ISO-8601 form.
        settings.put("group-timeout", "PT5M");
        settings.put("grpo.beta", "0.04");
        settings.put("pipeline.reward.weights.format", "0.5");
        CheckpointManifest manifest = new CheckpointManifest(CheckpointManifest.FORMAT, "demo-run", 2, 3,
                "2025-01-01T00:00:00Z", settings, Map.of());
        Path directory = Files.createDirectories(run.resolve("checkpoints/step-2"));
        Files.write(directory.resolve("manifest.json"), Messages.encode(manifest));
    }

    @Test
    void planTakesStoredSettings(@TempDir Path run) throws IOException {
        checkpoint(run);

        DemoResume.Plan plan = DemoResume.plan(run, new DemoResume.Options(false, null, null,
                Map.of("group-timeout", "1m"), Map.of()));

        assertThat(plan.checkpoint()).isEqualTo(run.resolve("checkpoints/step-2"));
        assertThat(plan.trainerSettings()).containsEntry("grpo.steps", "3").containsEntry("seed", "7")
                .containsEntry("group-timeout", "1m").containsEntry("output-dir", run.toAbsolutePath().toString())
                .containsEntry("resume-from", run.resolve("checkpoints/step-2").toAbsolutePath().toString())
                .doesNotContainKey("auto-start");
        assertThat(plan.rewardSettings()).containsExactly(Map.entry("weights.format", "0.5"));
    }

    @Test
    void agreeingOptionsAreAccepted(@TempDir Path run) throws IOException {
        checkpoint(run);

        DemoResume.Plan plan = DemoResume.plan(run, new DemoResume.Options(true, 7L, null,
                Map.of("grpo.beta", "4.0E-2"), Map.of("weights.format", "0.5")));

        assertThat(plan.trainerSettings()).containsEntry("grpo.beta", "4.0E-2");
    }

    @Test
    void otherSeedIsRefused(@TempDir Path run) throws IOException {
        checkpoint(run);

        assertThat(run("demo", "--resume", run.toString(), "--seed", "8")).isEqualTo(2);
        assertThat(err.toString()).contains("--seed 8").contains("used seed 7");
    }

    @Test
    void fullSizeOnSmokeRunIsRefused(@TempDir Path run) throws IOException {
        checkpoint(run);

        assertThat(run("demo", "--resume", run.toString(), "--dataset", run.resolve("x.jsonl").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--dataset sets task.name to gsm8k").contains("has arithmetic");
    }

    @Test
    void otherRewardIsRefused(@TempDir Path run) throws IOException {
        checkpoint(run);

        assertThat(run("demo", "--resume", run.toString(), "--reward", "weights.format=0.9")).isEqualTo(2);
        assertThat(err.toString()).contains("--reward weights.format=0.9").contains("which has 0.5");
    }

    @Test
    void runShapingTrainerSettingIsRefused(@TempDir Path run) throws IOException {
        checkpoint(run);

        assertThat(run("demo", "--resume", run.toString(), "--trainer", "grpo.steps=5")).isEqualTo(2);
        assertThat(err.toString()).contains("--trainer grpo.steps=5").contains("which has 3")
                .contains("checkpoint-every");
    }

    @Test
    void directoryWithoutCheckpointIsNamed(@TempDir Path run) {
        assertThat(run("demo", "--resume", run.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--resume").contains(run.toString()).contains("contains no trainer checkpoint");
    }

    @Test
    void otherOutputDirectoryIsRefused(@TempDir Path run) throws IOException {
        checkpoint(run);

        assertThat(run("demo", "--resume", run.toString(), "--out", run.resolve("elsewhere").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("'--out' and '--resume'").contains("give --resume alone");
    }
}
