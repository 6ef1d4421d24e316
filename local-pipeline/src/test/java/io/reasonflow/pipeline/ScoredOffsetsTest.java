package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.trainer.TrainerApplication;
import io.reasonflow.trainer.io.InputPosition;
import io.reasonflow.trainer.io.TrainerIo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The trainer's reading of {@code reasonflow.scored} on a real broker. Nothing is committed before a checkpoint.
 * The committed and stored position stops at the first record of a group not yet trained. A trainer that starts
 * from that position reads exactly the records from there on, and sends no record to the dead-letter topic twice.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScoredOffsetsTest {
    private static final String RUN = "offsets-run";

    @Test
    void positionHoldsUntrainedGroups(@TempDir Path output) throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            String servers = broker.bootstrapServers();
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(20));
            Map<String, RecordMetadata> written = new LinkedHashMap<>();
            InputPosition position;
            try (ConfigurableApplicationContext trainer = trainer(servers, output)) {
                TrainerIo io = trainer.getBean(TrainerIo.class);
                assertThat(io.startReading(null)).isFalse();
                written.putAll(produce(servers, 0, 8));
                sendUndecodable(servers, "bad-1");
                assertThat(groupIds(readAll(io, 8))).hasSize(8);
                assertThat(drainDeadLetters(io, 1)).containsExactly("bad-1");
                assertThat(committed(servers)).as("offsets before any checkpoint").isEmpty();

                position = io.position(Set.of("g3", "g6"));
                io.commit(position, "step-1");
                assertThat(position.deadLetters()).containsEntry(Topics.SCORED.deadLetterTopic() + "-0", 1L);

                for (String id : List.of("g3", "g6")) {
                    RecordMetadata record = written.get(id);
                    assertThat(position.scored().get(record.partition())).as("held at %s", id)
                            .isLessThanOrEqualTo(record.offset());
                }
                Map<TopicPartition, OffsetAndMetadata> committed = committed(servers);
                position.scored().forEach((partition, offset) -> {
                    OffsetAndMetadata commit = committed.get(new TopicPartition(Topics.SCORED.name(), partition));
                    assertThat(commit.offset()).isEqualTo(offset);
                    assertThat(commit.metadata()).isEqualTo("step-1");
                });
            }
            written.putAll(produce(servers, 8, 10));

            try (ConfigurableApplicationContext trainer = trainer(servers, output)) {
                TrainerIo io = trainer.getBean(TrainerIo.class);
                assertThat(io.startReading(position)).as("same cluster and topic").isTrue();
                Set<String> expected = new TreeSet<>();
                written.forEach((id, record) -> {
                    if (record.offset() >= position.scored().get(record.partition())) {
                        expected.add(id);
                    }
                });
                assertThat(expected).contains("g3", "g6", "g8", "g9").doesNotContain("g0");
                assertThat(groupIds(readAll(io, expected.size()))).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(drainDeadLetters(io, 0)).as("dead letters applied before the checkpoint").isEmpty();
            }

            try (ConfigurableApplicationContext trainer = trainer(servers, output)) {
                TrainerIo io = trainer.getBean(TrainerIo.class);
                InputPosition elsewhere = new InputPosition("another-cluster", position.scoredTopicId(), Map.of(0, 0L),
                        Map.of(0, 0L), Map.of());
                assertThat(io.startReading(elsewhere)).as("another cluster").isFalse();
                produce(servers, 10, 11);
                assertThat(groupIds(readAll(io, 1))).containsExactly("g10");
            }
        }
    }

    private static ConfigurableApplicationContext trainer(String servers, Path output) {
        return TrainerApplication.builder().registerShutdownHook(false).run("--spring.kafka.bootstrap-servers=" + servers,
                "--server.port=0", "--reasonflow.trainer.run-id=" + RUN, "--reasonflow.trainer.output-dir=" + output);
    }

    /** Reads until {@code count} groups arrived, then a little longer to catch any extra one. */
    private static List<ScoredGroup> readAll(TrainerIo io, int count) throws InterruptedException {
        List<ScoredGroup> groups = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (groups.size() < count && System.nanoTime() < deadline) {
            ScoredGroup group = io.pollScored(Purpose.TRAIN, Duration.ofMillis(200));
            if (group != null) {
                groups.add(group);
            }
        }
        for (int i = 0; i < 5; i++) {
            ScoredGroup extra = io.pollScored(Purpose.TRAIN, Duration.ofMillis(200));
            if (extra != null) {
                groups.add(extra);
            }
        }
        return groups;
    }

    private static List<String> drainDeadLetters(TrainerIo io, int count) throws InterruptedException {
        List<String> keys = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(count == 0 ? 2 : 30).toNanos();
        while ((count == 0 || keys.size() < count) && System.nanoTime() < deadline) {
            keys.addAll(io.drainDeadLettered());
            Thread.sleep(50);
        }
        return keys;
    }

    private static void sendUndecodable(String servers, String key) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.SCORED.name(), key, "{not json".getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
    }

    private static List<String> groupIds(List<ScoredGroup> groups) {
        return groups.stream().map(ScoredGroup::groupId).toList();
    }

    /** Writes scored groups g{from}..g{to - 1} of this run and one of another run; returns where each landed. */
    private static Map<String, RecordMetadata> produce(String servers, int from, int to) throws Exception {
        Map<String, RecordMetadata> written = new LinkedHashMap<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                String id = "g" + i;
                written.put(id, producer.send(new ProducerRecord<>(Topics.SCORED.name(), id,
                        Messages.encode(scored(RUN, id)))).get());
            }
            producer.send(new ProducerRecord<>(Topics.SCORED.name(), "other-" + from,
                    Messages.encode(scored("other-run", "other-" + from)))).get();
        }
        return written;
    }

    private static ScoredGroup scored(String runId, String groupId) {
        SamplingSettings sampling = new SamplingSettings(2, 1.0, 1.0, 0, 8, List.of());
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, runId, groupId, "p", "arithmetic",
                "User: 1+1\nAssistant: ", "2", Purpose.TRAIN, sampling, 0, 5L);
        Completion completion = new Completion("<answer>2</answer>", new int[] {60, 61}, new double[] {-1.0, -1.0},
                FinishReason.STOP);
        RolloutGroup group = new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 0, "test", List.of(completion,
                completion));
        CompletionScore score = new CompletionScore(Map.of("accuracy", 1.0), 1.0);
        return new ScoredGroup(Messages.SCHEMA_VERSION, group, List.of(score, score));
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(String servers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            return admin.listConsumerGroupOffsets("reasonflow-trainer-" + RUN).partitionsToOffsetAndMetadata()
                    .get(20, TimeUnit.SECONDS);
        }
    }
}
