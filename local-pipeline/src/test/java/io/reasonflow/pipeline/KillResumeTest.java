package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.reasonflow.contracts.Messages;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.pipeline.cli.ReasonflowCli;
import io.reasonflow.reward.RewardApplication;
import io.reasonflow.rollout.RolloutApplication;
import io.reasonflow.trainer.TrainerApplication;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;

/**
 * Kills the trainer with SIGKILL after a checkpoint and resumes it, once on the same broker and once on a fresh
 * one through {@code reasonflow demo --resume}, then compares both with an uninterrupted run of the same settings.
 *
 * <p>The trainer runs in a child JVM, so the kill leaves no shutdown hook, consumer close or flush behind, as a
 * crashed process would; the broker and the rollout and reward services live in this JVM and go on, as they
 * would in a deployment where only the trainer fails. The run has 4 GRPO steps with checkpoints after steps 2
 * and 4 and is killed once step 3 is written. The resumed runs therefore redo step 3 from the step-2 checkpoint,
 * while the interrupted attempt's step-3 policy version, prompts and scored groups are still on the broker.
 * Staleness bound 0 makes the run reproducible. An overlong penalty on short lengths gives rewards that differ
 * within a group, so the losses are not trivially 0.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class KillResumeTest {
    /** Largest absolute difference allowed between a resumed and an uninterrupted run's step figures. */
    static final double TOLERANCE = 1e-6;
    private static final List<String> NOT_COMPARED = List.of("policy_version", "tokens_per_second", "step_seconds",
            "idle_seconds");
    private static final Map<String, String> REWARD = Map.of("weights.overlong", "1.0",
            "graders.overlong-max-length", "48", "graders.overlong-buffer", "40");

    @Test
    void killedTrainerResumesExactly(@TempDir Path work) throws Exception {
        Path reference = work.resolve("reference");
        Path killed = work.resolve("killed");
        Path fresh = work.resolve("fresh");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            TopicSetup.ensureTopics(broker.bootstrapServers(), Duration.ofSeconds(20));
            LocalPipeline.run(broker.bootstrapServers(), settings("resume-reference", reference), REWARD, line -> { });
        }
        try (LocalKafkaBroker broker = LocalKafkaBroker.start();
                Services services = Services.start(broker.bootstrapServers(), "resume-killed", work)) {
            Process first = startTrainer(broker.bootstrapServers(), killed, null, work.resolve("first.log"));
            killAfterStep(3, first, killed, work.resolve("first.log"));
            assertThat(killed.resolve("checkpoints/step-2/manifest.json")).isRegularFile();
            assertThat(killed.resolve("checkpoints/step-4")).doesNotExist();
            assertThat(Files.readAllLines(killed.resolve("metrics.jsonl"))).hasSize(3);
            FileSystemUtils.copyRecursively(killed, fresh);

            Process second = startTrainer(broker.bootstrapServers(), killed, killed, work.resolve("second.log"));
            assertThat(second.waitFor(150, TimeUnit.SECONDS)).as("resumed trainer finished (see %s)",
                    work.resolve("second.log")).isTrue();
            assertThat(second.exitValue()).as("exit status of the resumed trainer (see %s)", work.resolve("second.log"))
                    .isZero();
            assertThat(Files.readString(killed.resolve("reasonflow.log")))
                    .contains("Resumed from " + killed.resolve("checkpoints/step-2"))
                    .contains("read again from the scored topic");
        }
        String output = demo(0, "demo", "--resume", fresh.toString());
        assertThat(output).contains("asked for again on this cluster");

        double sameBroker = assertSameRun(killed, reference);
        double freshBroker = assertSameRun(fresh, reference);
        System.out.printf(Locale.ROOT, "Resumed runs against the uninterrupted one: largest step-figure difference "
                + "%.2e on the same broker, %.2e on a fresh broker (tolerance %.0e)%n", sameBroker, freshBroker,
                TOLERANCE);
    }

    /** Returns the smoke settings with staleness bound 0, 4 GRPO steps and a checkpoint every 2. */
    private static Map<String, String> settings(String runId, Path output) {
        Map<String, String> settings = new LinkedHashMap<>(SmokeRunAssertions.smokeSettings(runId, output));
        settings.put("grpo.staleness-bound", "0");
        settings.put("grpo.steps", "4");
        settings.put("grpo.learning-rate", "0.001");
        settings.put("checkpoint-every", "2");
        settings.put("group-timeout", "2m");
        return settings;
    }

    /** Starts the trainer service in a child JVM that runs the training and exits. */
    private static Process startTrainer(String servers, Path output, Path resumeFrom, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx1g", "-Dai.djl.offline=true", "-Dreasonflow.log.dir=" + output, "-cp",
                System.getProperty("java.class.path"), TrainerApplication.class.getName(),
                "--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                "--reasonflow.trainer.auto-start=true"));
        settings("resume-killed", output).forEach((key, value) -> command.add("--reasonflow.trainer." + key + "=" + value));
        REWARD.forEach((key, value) -> command.add("--reasonflow.trainer.pipeline.reward." + key + "=" + value));
        if (resumeFrom != null) {
            command.add("--reasonflow.trainer.resume-from=" + resumeFrom);
        }
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Kills {@code trainer} (SIGKILL) once {@code metrics.jsonl} has {@code steps} lines. */
    private static void killAfterStep(int steps, Process trainer, Path output, Path log) throws Exception {
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            while (lines(output.resolve("metrics.jsonl")) < steps) {
                assertThat(trainer.isAlive()).as("trainer still running (see %s)", log).isTrue();
                assertThat(System.nanoTime()).as("step %d written within 150 s (see %s)", steps, log)
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
        } finally {
            trainer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The rollout and reward services in this JVM, as the local pipeline starts them. */
    private record Services(List<ConfigurableApplicationContext> contexts) implements AutoCloseable {
        static Services start(String servers, String runId, Path work) {
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(20));
            List<String> reward = new ArrayList<>(List.of("--spring.kafka.bootstrap-servers=" + servers,
                    "--server.port=0", "--reasonflow.reward.streams.state-dir=" + work.resolve("reward-state")));
            REWARD.forEach((key, value) -> reward.add("--reasonflow.reward." + key + "=" + value));
            ConfigurableApplicationContext rewardService = RewardApplication.builder().registerShutdownHook(false)
                    .run(reward.toArray(String[]::new));
            ConfigurableApplicationContext rolloutService = RolloutApplication.builder().registerShutdownHook(false)
                    .run("--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                            "--reasonflow.rollout.run-id=" + runId);
            return new Services(List.of(rolloutService, rewardService));
        }

        @Override
        public void close() {
            contexts.forEach(ConfigurableApplicationContext::close);
        }
    }

    /** Runs the command line in this JVM, checks its exit status and returns what it printed. */
    private static String demo(int expectedStatus, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = ReasonflowCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertThat(status).as("exit status of %s; output:%n%s%n%s", String.join(" ", args), out, err)
                .isEqualTo(expectedStatus);
        return out.toString();
    }

    /**
     * Checks that {@code resumed} trained every group at most once and lost none, evaluated each stage once, and
     * has the step figures of {@code reference}; returns the largest difference of a figure.
     */
    private static double assertSameRun(Path resumed, Path reference) throws IOException {
        JsonNode summary = Messages.mapper().readTree(resumed.resolve("summary.json").toFile());
        assertThat(summary.get("resumes").asInt()).isEqualTo(1);
        JsonNode ledger = summary.get("ledger");
        assertThat(ledger.get("balanced").asBoolean()).as("ledger of %s: %s", resumed, ledger).isTrue();
        assertThat(ledger.get("repeated").asLong()).isZero();
        JsonNode groups = Messages.mapper().readTree(resumed.resolve("ledger.json").toFile());
        List<String> trained = new ArrayList<>();
        groups.get("trained").forEach(id -> trained.add(id.asString()));
        assertThat(trained).as("trained groups").doesNotHaveDuplicates().hasSize(4 * 4);
        assertThat(ledger.get("trained").asLong()).isEqualTo(trained.size());
        assertThat(ledger.get("published").asLong()).as("every published group has one outcome")
                .isEqualTo(ledger.get("trained").asLong() + ledger.get("dropped_stale").asLong()
                        + ledger.get("filtered").asLong() + ledger.get("dead_lettered").asLong());
        assertThat(groups.get("in_flight")).isEmpty();

        List<String> stages = new ArrayList<>();
        for (String line : Files.readAllLines(resumed.resolve("eval.jsonl"))) {
            stages.add(Messages.mapper().readTree(line).get("stage").asString());
        }
        assertThat(stages).containsExactly("start", "sft", "final");

        List<String> resumedSteps = Files.readAllLines(resumed.resolve("metrics.jsonl"));
        List<String> referenceSteps = Files.readAllLines(reference.resolve("metrics.jsonl"));
        assertThat(resumedSteps).hasSameSizeAs(referenceSteps).hasSize(4);
        double largest = 0;
        Set<String> compared = new HashSet<>();
        for (int i = 0; i < referenceSteps.size(); i++) {
            JsonNode expected = Messages.mapper().readTree(referenceSteps.get(i));
            JsonNode actual = Messages.mapper().readTree(resumedSteps.get(i));
            assertThat(actual.get("step").asInt()).isEqualTo(i + 1);
            for (Iterator<String> names = expected.propertyNames().iterator(); names.hasNext(); ) {
                String name = names.next();
                if (!expected.get(name).isNumber() || NOT_COMPARED.contains(name)) {
                    continue;
                }
                double difference = Math.abs(actual.get(name).asDouble() - expected.get(name).asDouble());
                assertThat(actual.get(name).asDouble()).as("%s of step %d in %s", name, i + 1, resumed)
                        .isCloseTo(expected.get(name).asDouble(), within(TOLERANCE));
                largest = Math.max(largest, difference);
                compared.add(name);
            }
        }
        assertThat(compared).contains("loss", "kl", "reward_mean", "reward_std", "completion_length");
        assertThat(referenceSteps.stream().map(line -> Messages.mapper().readTree(line).get("reward_std").asDouble()))
                .as("steps whose rewards differ within groups, so the loss has a gradient").anyMatch(std -> std > 0);
        return largest;
    }

    private static int lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(file)) {
            return (int) lines.filter(line -> line.endsWith("}")).count();
        }
    }
}
