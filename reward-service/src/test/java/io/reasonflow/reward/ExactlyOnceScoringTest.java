package io.reasonflow.reward;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PartialScores;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Kills the reward service (SIGKILL, in its own JVM) while a transaction is open, restarts it, and
 * counts the scored groups per group id with a read-committed consumer: each appears exactly once. Half
 * of the groups wait for a Kafka grader whose scores are sent only after the kill, so their pending
 * state must come back from the changelog.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ExactlyOnceScoringTest {
    private static final int GROUPS = 300;
    private static final int COMPLETIONS = 4;
    private static final String GRADER = "external";

    private static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 4);
        broker.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        List<NewTopic> topics = new ArrayList<>();
        for (String name : List.of(Topics.ROLLOUTS.name(), Topics.REWARDS.name(), Topics.SCORED.name())) {
            topics.add(new NewTopic(name, 4, (short) 1));
        }
        topics.add(new NewTopic(Topics.ROLLOUTS.deadLetterTopic(), 1, (short) 1));
        topics.add(new NewTopic(Topics.REWARDS.deadLetterTopic(), 1, (short) 1));
        broker.addTopics(topics.toArray(NewTopic[]::new));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void killAndRestartScoresEachGroupOnce(@TempDir Path work) throws Exception {
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < GROUPS; i++) {
                String id = String.format(Locale.ROOT, "eo-%03d", i);
                ids.add(id);
                producer.send(new ProducerRecord<>(Topics.ROLLOUTS.name(), id, Messages.encode(group(id, i))));
                if (i % 2 == 0) {
                    producer.send(new ProducerRecord<>(Topics.REWARDS.name(), id, partial(id)));
                }
            }
            producer.flush();
        }

        Process first = startService(work, "first");
        try {
            int seen = waitForRecords(Topics.SCORED.name(), "read_uncommitted", count -> count >= 40,
                    Duration.ofSeconds(90));
            assertThat(seen).as("scored records written before the kill (see %s)", work.resolve("first.log"))
                    .isGreaterThanOrEqualTo(40);
        } finally {
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }

        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 1; i < GROUPS; i += 2) {
                producer.send(new ProducerRecord<>(Topics.REWARDS.name(), ids.get(i), partial(ids.get(i))));
            }
            producer.flush();
        }

        Process second = startService(work, "second");
        try {
            waitForRecords(Topics.SCORED.name(), "read_committed", count -> count >= GROUPS, Duration.ofSeconds(150));
            // Give a doubled group time to appear, were there one.
            Thread.sleep(3_000);
            Map<String, Integer> committed = countByKey(Topics.SCORED.name(), "read_committed");
            Map<String, Integer> uncommitted = countByKey(Topics.SCORED.name(), "read_uncommitted");

            assertThat(committed.keySet()).as("groups scored (see %s)", work.resolve("second.log"))
                    .containsExactlyInAnyOrderElementsOf(ids);
            assertThat(committed.values()).allMatch(count -> count == 1);
            int aborted = uncommitted.values().stream().mapToInt(Integer::intValue).sum() - GROUPS;
            System.out.printf(Locale.ROOT, "Exactly-once check: %d groups scored once each; %d scored records of "
                    + "the interrupted transaction were aborted%n", committed.size(), aborted);
            assertThat(aborted).as("records of the transaction the kill interrupted").isPositive();
            assertThat(readScored()).allSatisfy(scored -> assertThat(scored.scores())
                    .allSatisfy(score -> assertThat(score.graderScores()).containsEntry(GRADER, 0.5)));
            assertThat(countByKey(Topics.ROLLOUTS.deadLetterTopic(), "read_committed")).isEmpty();
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Process startService(Path work, String name) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                RewardApplication.class.getName(),
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(), "--server.port=0",
                "--reasonflow.reward.kafka-graders=" + GRADER,
                "--reasonflow.reward.weights.accuracy=1.0",
                "--reasonflow.reward.weights." + GRADER + "=0.5",
                "--reasonflow.reward.merge-timeout=10m",
                "--reasonflow.reward.streams.state-dir=" + work.resolve("state"),
                "--reasonflow.reward.streams.commit-interval=5s",
                "--spring.kafka.streams.properties.session.timeout.ms=6000",
                "--spring.kafka.streams.properties.heartbeat.interval.ms=1000");
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile()).start();
    }

    private static RolloutGroup group(String id, int index) {
        SamplingSettings sampling = new SamplingSettings(COMPLETIONS, 1.0, 1.0, 0, 64, List.of("</answer>"));
        int a = index % 50;
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "eo-run", id, "p-" + index, "arithmetic",
                "User: " + a + "+7\nAssistant: ", Integer.toString(a + 7), Purpose.TRAIN, sampling, 0);
        List<Completion> completions = new ArrayList<>();
        for (int c = 0; c < COMPLETIONS; c++) {
            completions.add(new Completion("<think>\nadd\n</think>\n<answer>" + (a + 7 + c) + "</answer>",
                    new int[] {1, 2, 3}, new double[] {-0.1, -0.2, -0.3}, FinishReason.STOP));
        }
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 1, "worker", completions);
    }

    private static byte[] partial(String id) {
        return Messages.encode(new PartialScores(Messages.SCHEMA_VERSION, id, GRADER,
                List.of(0.5, 0.5, 0.5, 0.5), Map.of()));
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer(String isolation) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Reads the whole topic from the start, without a consumer group, until the end offsets. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic, String isolation) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(isolation)) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new org.apache.kafka.common.TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    private static Map<String, Integer> countByKey(String topic, String isolation) {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : readAll(topic, isolation)) {
            counts.merge(record.key(), 1, Integer::sum);
        }
        return counts;
    }

    private static List<ScoredGroup> readScored() {
        return readAll(Topics.SCORED.name(), "read_committed").stream()
                .map(record -> Topics.SCORED.decode(record.value())).toList();
    }

    private static int waitForRecords(String topic, String isolation, Predicate<Integer> done, Duration limit)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        int count = 0;
        while (System.nanoTime() < deadline) {
            count = readAll(topic, isolation).size();
            if (done.test(count)) {
                return count;
            }
            Thread.sleep(100);
        }
        return count;
    }
}
