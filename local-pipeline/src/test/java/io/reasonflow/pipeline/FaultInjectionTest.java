package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.Topics;
import io.reasonflow.pipeline.ChildProcesses.Child;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.reward.RewardApplication;
import io.reasonflow.rollout.RolloutApplication;
import io.reasonflow.trainer.TrainerApplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Runs the pipeline on the bundled arithmetic task with the broker and every service in a JVM of its own, and kills
 * them one after another with SIGKILL while groups are in flight. The rollout service dies once GRPO step 1 is
 * written, the reward service after step 3, the trainer after step 5 and the broker after step 7. Each service is
 * started again at once, the trainer with {@code resume-from} on its output directory. The broker stays down for
 * {@link #BROKER_DOWN} and starts again on the same ports and log directory. The trainer must finish all its steps
 * with a balanced ledger.
 *
 * <p>The test then reads every topic back and accounts for every training group that any trainer attempt
 * published. Each has exactly one outcome in the final ledger (trained, dropped as stale, filtered or dead-lettered),
 * or was published by the killed trainer after the checkpoint the run resumed from, so that no ledger contains it.
 * No group is lost. The reward service scored every rollout record exactly once: each group has as many committed
 * scored records as rollout records. The run resumed from the newest checkpoint that the killed trainer had
 * written, and policy versions only increase.
 */
@Timeout(value = 1200, unit = TimeUnit.SECONDS)
class FaultInjectionTest {
    private static final String RUN = "faults";
    private static final int STEPS = 9;
    private static final int GROUPS_PER_STEP = 4;
    /** Maximum wait for one GRPO step, restarts included, far above what a loaded 2-core machine needs. */
    private static final Duration STEP_WAIT = Duration.ofSeconds(240);
    /** Maximum wait for the first GRPO step, which follows the start-up, two evaluations and the cold start. */
    private static final Duration FIRST_STEP_WAIT = Duration.ofSeconds(480);
    private static final Pattern GROUP_ID = Pattern.compile(Pattern.quote(RUN) + "(?:-r(\\d+))?-train-(\\d+)");
    /**
     * How long the broker stays down: longer than the trainer's checkpoint commit waits (30 s) plus its producer's
     * wait for metadata (5 s here), so that the trainer has to send while the broker is unreachable.
     */
    private static final Duration BROKER_DOWN = Duration.ofSeconds(40);
    /** Fast failure detection, so a restarted instance takes over its consumer group's partitions within seconds. */
    private static final List<String> FAST_GROUPS = List.of(
            "--spring.kafka.consumer.properties.session.timeout.ms=6000",
            "--spring.kafka.consumer.properties.heartbeat.interval.ms=1000",
            "--spring.kafka.streams.properties.session.timeout.ms=6000",
            "--spring.kafka.streams.properties.heartbeat.interval.ms=1000");

    @Test
    void killsLoseAndDoubleNoGroup() throws Exception {
        // Under target/, not a temporary directory, so that the logs of a failed run stay for reading.
        Path work = Path.of("target", "fault-injection").toAbsolutePath();
        deleteRecursively(work);
        Path output = work.resolve("run");
        List<String> faults = new ArrayList<>();
        long started = System.nanoTime();
        try (ChildProcesses processes = new ChildProcesses(work.resolve("logs"))) {
            ProcessBroker broker = ProcessBroker.format(processes, work.resolve("broker"));
            broker.start(Duration.ofSeconds(90));
            String servers = broker.bootstrapServers();
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(30));
            Child reward = startReward(processes, servers, work);
            Child rollout = startRollout(processes, servers);
            Child trainer = startTrainer(processes, servers, output, false);

            awaitSteps(1, output, trainer, FIRST_STEP_WAIT);
            rollout.kill();
            faults.add(fault("rollout service", output, started));
            rollout = startRollout(processes, servers);

            awaitSteps(3, output, trainer, STEP_WAIT);
            reward.kill();
            faults.add(fault("reward service", output, started));
            reward = startReward(processes, servers, work);

            awaitSteps(5, output, trainer, STEP_WAIT);
            trainer.kill();
            int killedAt = steps(output);
            faults.add(fault("trainer", output, started));
            Path newestCheckpoint = newestCheckpoint(output);
            // Read now: the resumed run removes the oldest checkpoints as it writes new ones.
            long nextGroupAtCheckpoint = Messages.mapper().readTree(newestCheckpoint.resolve("trainer-state.json")
                    .toFile()).get("next_group").asLong();
            trainer = startTrainer(processes, servers, output, true);

            awaitSteps(7, output, trainer, STEP_WAIT);
            broker.kill();
            faults.add(fault("broker", output, started) + ", started again " + BROKER_DOWN.toSeconds()
                    + " s later on the same ports and log directory");
            Thread.sleep(BROKER_DOWN.toMillis());
            broker.start(Duration.ofSeconds(90));

            assertThat(trainer.process().waitFor(STEP_WAIT.toSeconds() * 2, TimeUnit.SECONDS))
                    .as("resumed trainer finished%n%s", trainer.tail(6000)).isTrue();
            assertThat(trainer.process().exitValue()).as("exit status of the resumed trainer%n%s", trainer.tail(6000))
                    .isZero();
            assertThat(rollout.isAlive()).as("rollout service still running%n%s", rollout.tail(4000)).isTrue();
            assertThat(reward.isAlive()).as("reward service still running%n%s", reward.tail(4000)).isTrue();

            String log = Files.readString(output.resolve("reasonflow.log"));
            assertThat(log).as("the run resumed from the newest checkpoint the killed trainer wrote")
                    .contains("Resumed from " + newestCheckpoint);
            int resumedStep = stepOf(newestCheckpoint);

            Audit audit = Audit.read(servers, nextGroupAtCheckpoint, output);
            checkSteps(output);
            checkPolicyVersions(audit);
            audit.check();
            System.out.printf(Locale.ROOT, "Fault injection: %d faults injected (%s); the trainer was killed after "
                    + "step %d and resumed from checkpoint step-%d; %.0f s in all%n", faults.size(),
                    String.join("; ", faults), killedAt, resumedStep, (System.nanoTime() - started) / 1e9);
            System.out.println("Fault injection: " + audit.figures());
        }
    }

    private static String fault(String process, Path output, long started) throws IOException {
        return String.format(Locale.ROOT, "%s SIGKILL after GRPO step %d at %.0f s", process, steps(output),
                (System.nanoTime() - started) / 1e9);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private static Child startReward(ChildProcesses processes, String servers, Path work) throws IOException {
        List<String> args = new ArrayList<>(List.of("--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                "--reasonflow.reward.streams.state-dir=" + work.resolve("reward-state")));
        args.addAll(FAST_GROUPS);
        return processes.start("reward", RewardApplication.class.getName(), jvm("-Xmx512m"), null, args);
    }

    private static Child startRollout(ChildProcesses processes, String servers) throws IOException {
        List<String> args = new ArrayList<>(List.of("--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                "--reasonflow.rollout.run-id=" + RUN, "--reasonflow.rollout.worker-id=" + RUN + "-rollout"));
        args.addAll(FAST_GROUPS);
        return processes.start("rollout", RolloutApplication.class.getName(), jvm("-Xmx768m"), null, args);
    }

    /** Options of the service JVMs: the C1 compiler only, which starts faster on a loaded 2-core machine. */
    private static List<String> jvm(String heap) {
        return List.of(heap, "-XX:TieredStopAtLevel=1");
    }

    /** Starts the trainer, which runs the training and exits; {@code resume} continues from its newest checkpoint. */
    private static Child startTrainer(ChildProcesses processes, String servers, Path output, boolean resume)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                "--reasonflow.trainer.auto-start=true", "--spring.kafka.producer.properties.max.block.ms=5000"));
        settings(output).forEach((key, value) -> args.add("--reasonflow.trainer." + key + "=" + value));
        if (resume) {
            args.add("--reasonflow.trainer.resume-from=" + output);
        }
        return processes.start("trainer", TrainerApplication.class.getName(), jvm("-Xmx1g"), output, args);
    }

    /** Returns the smoke settings with a short cold start, {@value #STEPS} GRPO steps and a checkpoint after each. */
    private static Map<String, String> settings(Path output) {
        Map<String, String> settings = new LinkedHashMap<>(SmokeRunAssertions.smokeSettings(RUN, output));
        settings.put("sft.steps", "10");
        settings.put("task.eval-examples", "4");
        settings.put("eval.max-new-tokens", "48");
        settings.put("grpo.steps", Integer.toString(STEPS));
        settings.put("grpo.groups-per-step", Integer.toString(GROUPS_PER_STEP));
        settings.put("checkpoint-every", "1");
        settings.put("group-timeout", "3m");
        return settings;
    }

    /** Waits until {@code metrics.jsonl} has {@code steps} lines, failing early when the trainer exits. */
    private static void awaitSteps(int steps, Path output, Child trainer, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (steps(output) < steps) {
            assertThat(trainer.isAlive()).as("trainer running while waiting for step %d%n%s", steps,
                    trainer.tail(6000)).isTrue();
            assertThat(System.nanoTime()).as("step %d written within %s%n%s", steps, timeout, trainer.tail(6000))
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static int steps(Path output) throws IOException {
        Path file = output.resolve("metrics.jsonl");
        if (!Files.exists(file)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(file)) {
            return (int) lines.filter(line -> line.endsWith("}")).count();
        }
    }

    /** Returns the newest complete checkpoint: the highest {@code step-N} with a manifest. */
    private static Path newestCheckpoint(Path output) throws IOException {
        try (Stream<Path> entries = Files.list(output.resolve("checkpoints"))) {
            return entries.filter(path -> path.getFileName().toString().matches("step-\\d+"))
                    .filter(path -> Files.isRegularFile(path.resolve("manifest.json")))
                    .max((a, b) -> Integer.compare(stepOf(a), stepOf(b)))
                    .orElseThrow(() -> new AssertionError("no checkpoint in " + output));
        }
    }

    private static int stepOf(Path checkpoint) {
        return Integer.parseInt(checkpoint.getFileName().toString().substring("step-".length()));
    }

    /** Every step once, in order, each publishing a newer policy version than the one before. */
    private static void checkSteps(Path output) throws IOException {
        List<String> lines = Files.readAllLines(output.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(STEPS);
        long previousVersion = -1;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode step = Messages.mapper().readTree(lines.get(i));
            assertThat(step.get("step").asInt()).isEqualTo(i + 1);
            long version = step.get("policy_version").asLong();
            assertThat(version).as("policy version of step %d", i + 1).isGreaterThan(previousVersion);
            previousVersion = version;
        }
        JsonNode summary = Messages.mapper().readTree(output.resolve("summary.json").toFile());
        assertThat(summary.get("resumes").asInt()).isEqualTo(1);
    }

    /** The run's policy manifests, in the order they were published, carry increasing version numbers. */
    private static void checkPolicyVersions(Audit audit) {
        assertThat(audit.policyVersions).as("policy versions in publication order").isNotEmpty();
        for (int i = 1; i < audit.policyVersions.size(); i++) {
            assertThat(audit.policyVersions.get(i)).as("policy versions in publication order: %s",
                    audit.policyVersions).isGreaterThan(audit.policyVersions.get(i - 1));
        }
    }

    /**
     * Accounting of every training group of the run, read from the topics and the trainer's output. The services keep
     * running while it is read, so it waits until every training prompt has been generated and every rollout record
     * scored or dead-lettered.
     */
    private static final class Audit {
        final Set<String> published = new HashSet<>();
        final Map<String, Integer> rollouts = new HashMap<>();
        final Map<String, Integer> scored = new HashMap<>();
        final Map<String, Integer> scoredUncommitted = new HashMap<>();
        final Set<String> deadLettered = new HashSet<>();
        final List<Long> policyVersions = new ArrayList<>();
        final Map<String, List<String>> outcomes = new LinkedHashMap<>();
        final long nextGroupAtCheckpoint;
        JsonNode ledger;

        private Audit(long nextGroupAtCheckpoint) {
            this.nextGroupAtCheckpoint = nextGroupAtCheckpoint;
        }

        static Audit read(String servers, long nextGroupAtCheckpoint, Path output) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (true) {
                Audit audit = new Audit(nextGroupAtCheckpoint);
                audit.readTopics(servers);
                if (audit.drained() || System.nanoTime() > deadline) {
                    audit.readOutput(output);
                    return audit;
                }
                Thread.sleep(1000);
            }
        }

        private void readTopics(String servers) {
            for (ConsumerRecord<String, byte[]> record : readAll(servers, Topics.PROMPTS.name(), "read_committed")) {
                PromptMessage prompt = Topics.PROMPTS.decode(record.value());
                if (RUN.equals(prompt.runId()) && prompt.purpose() == Purpose.TRAIN) {
                    published.add(prompt.groupId());
                }
            }
            countKeys(readAll(servers, Topics.ROLLOUTS.name(), "read_committed"), rollouts);
            countKeys(readAll(servers, Topics.SCORED.name(), "read_committed"), scored);
            countKeys(readAll(servers, Topics.SCORED.name(), "read_uncommitted"), scoredUncommitted);
            for (String topic : List.of(Topics.PROMPTS.deadLetterTopic(), Topics.ROLLOUTS.deadLetterTopic(),
                    Topics.SCORED.deadLetterTopic())) {
                readAll(servers, topic, "read_committed").forEach(record -> deadLettered.add(record.key()));
            }
            for (ConsumerRecord<String, byte[]> record : readAll(servers, Topics.POLICY.name(), "read_committed")) {
                if (RUN.equals(record.key())) {
                    policyVersions.add(Topics.POLICY.decode(record.value()).version());
                }
            }
        }

        private void countKeys(List<ConsumerRecord<String, byte[]>> records, Map<String, Integer> counts) {
            for (ConsumerRecord<String, byte[]> record : records) {
                if (record.key() != null && GROUP_ID.matcher(record.key()).matches()) {
                    counts.merge(record.key(), 1, Integer::sum);
                }
            }
        }

        /** Returns whether every training prompt was generated and every rollout record scored, or dead-lettered. */
        private boolean drained() {
            for (String id : published) {
                if (deadLettered.contains(id)) {
                    continue;
                }
                if (rollouts.getOrDefault(id, 0) == 0 || !rollouts.get(id).equals(scored.getOrDefault(id, 0))) {
                    return false;
                }
            }
            return true;
        }

        private void readOutput(Path output) throws IOException {
            ledger = Messages.mapper().readTree(output.resolve("summary.json").toFile()).get("ledger");
            JsonNode groups = Messages.mapper().readTree(output.resolve("ledger.json").toFile());
            for (String outcome : List.of("trained", "dropped_stale", "filtered", "dead_lettered", "in_flight")) {
                List<String> ids = new ArrayList<>();
                groups.get(outcome).forEach(id -> ids.add(id.asString()));
                outcomes.put(outcome, ids);
            }
        }

        /**
         * Returns the groups outside the final ledger, which the killed trainer should have published after its
         * checkpoint.
         */
        Set<String> abandoned() {
            Set<String> ids = new HashSet<>(published);
            outcomes.values().forEach(ids::removeAll);
            return ids;
        }

        long lost() {
            return abandoned().stream().filter(id -> !afterCheckpointOfKilledAttempt(id)).count();
        }

        private boolean afterCheckpointOfKilledAttempt(String id) {
            Matcher matcher = GROUP_ID.matcher(id);
            return matcher.matches() && matcher.group(1) == null
                    && Long.parseLong(matcher.group(2)) >= nextGroupAtCheckpoint;
        }

        long doubled() {
            return rollouts.values().stream().filter(count -> count > 1).count();
        }

        long aborted() {
            return scoredUncommitted.values().stream().mapToLong(Integer::longValue).sum()
                    - scored.values().stream().mapToLong(Integer::longValue).sum();
        }

        void check() {
            assertThat(drained()).as("every training prompt was generated and scored within 120 s: %s", figures())
                    .isTrue();
            assertThat(ledger.get("balanced").asBoolean()).as("ledger %s", ledger).isTrue();
            assertThat(outcomes.get("in_flight")).as("groups in flight at the end").isEmpty();

            List<String> settled = new ArrayList<>();
            for (String outcome : List.of("trained", "dropped_stale", "filtered", "dead_lettered")) {
                settled.addAll(outcomes.get(outcome));
                assertThat(ledger.get(outcome).asLong()).as("ledger count of %s", outcome)
                        .isEqualTo(outcomes.get(outcome).size());
            }
            assertThat(settled).as("one outcome per group: trained at most once, never both trained and dropped")
                    .doesNotHaveDuplicates();
            assertThat(outcomes.get("trained")).hasSize(STEPS * GROUPS_PER_STEP);
            assertThat(published).as("every group of the ledger was published on the prompts topic")
                    .containsAll(settled);
            assertThat(ledger.get("published").asLong()).isEqualTo(settled.size());

            assertThat(ledger.get("scored").asLong()).as("scored once each in the ledger")
                    .isEqualTo(ledger.get("trained").asLong() + ledger.get("dropped_stale").asLong()
                            + ledger.get("filtered").asLong());
            for (String id : settled) {
                if (!outcomes.get("dead_lettered").contains(id)) {
                    assertThat(scored.getOrDefault(id, 0)).as("scored records of %s", id).isPositive();
                }
            }
            assertThat(abandoned()).as("groups outside the final ledger: published by the killed trainer after "
                    + "its checkpoint (prompt number >= %d)", nextGroupAtCheckpoint)
                    .allMatch(this::afterCheckpointOfKilledAttempt);
            assertThat(lost()).isZero();
            for (String id : published) {
                if (deadLettered.contains(id)) {
                    continue; // settled by its dead letter, which the ledger counts
                }
                assertThat(scored.getOrDefault(id, 0)).as("committed scored records of %s against its rollout "
                        + "records: the reward service scores each exactly once", id)
                        .isEqualTo(rollouts.getOrDefault(id, 0));
            }
        }

        String figures() {
            long scoredGroups = published.stream().filter(id -> scored.getOrDefault(id, 0) > 0).count();
            return String.format(Locale.ROOT, "training groups published %d (final ledger %d, published by the killed "
                    + "trainer after its checkpoint %d), scored %d, trained %d, dropped as stale %d, filtered %d, "
                    + "dead-lettered %d, lost %d; generated twice after the rollout kill %d (the ledger counted %d "
                    + "repeated records once), scored records of aborted transactions %d; policy versions %s",
                    published.size(), ledger == null ? -1 : ledger.get("published").asLong(), abandoned().size(),
                    scoredGroups, outcomes.getOrDefault("trained", List.of()).size(),
                    outcomes.getOrDefault("dropped_stale", List.of()).size(),
                    outcomes.getOrDefault("filtered", List.of()).size(),
                    outcomes.getOrDefault("dead_lettered", List.of()).size(), lost(), doubled(),
                    ledger == null ? -1 : ledger.get("repeated").asLong(), aborted(), policyVersions);
        }
    }

    /** Reads a whole topic from the beginning, without a consumer group, up to its end offsets. */
    static List<ConsumerRecord<String, byte[]>> readAll(String servers, String topic, String isolation) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end offsets " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }
}
