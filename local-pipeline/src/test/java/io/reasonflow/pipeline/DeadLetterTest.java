package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.Topics;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.reward.RewardApplication;
import io.reasonflow.service.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
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
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Unreadable records on a real broker: each goes to its dead-letter topic with the reason, and the
 * records behind it on the same partition are still processed.
 */
@Timeout(120)
class DeadLetterTest {
    private static LocalKafkaBroker broker;
    private static ConfigurableApplicationContext reward;
    private static ConfigurableApplicationContext rollout;

    @BeforeAll
    static void startBrokerAndRewardService() throws java.io.IOException {
        broker = LocalKafkaBroker.start();
        TopicSetup.ensureTopics(broker.bootstrapServers(), Duration.ofSeconds(20));
        reward = RewardApplication.builder().registerShutdownHook(false)
                .run("--spring.kafka.bootstrap-servers=" + broker.bootstrapServers(), "--server.port=0",
                        "--reasonflow.reward.streams.state-dir=" + java.nio.file.Files.createTempDirectory("reward-state-"));
        rollout = io.reasonflow.rollout.RolloutApplication.builder().registerShutdownHook(false)
                .run("--spring.kafka.bootstrap-servers=" + broker.bootstrapServers(), "--server.port=0");
    }

    @AfterAll
    static void stop() {
        if (rollout != null) {
            rollout.close();
        }
        if (reward != null) {
            reward.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void unreadableRolloutsDeadLettered() throws Exception {
        String validId = "dlq-valid-" + UUID.randomUUID();
        Map<String, byte[]> badRecords = Map.of(
                "dlq-not-json", "{not json".getBytes(StandardCharsets.UTF_8),
                "dlq-schema", new String(Messages.encode(rollout(validId)), StandardCharsets.UTF_8)
                        .replace("\"schema_version\":1", "\"schema_version\":42").getBytes(StandardCharsets.UTF_8),
                "dlq-missing", "{\"schema_version\":1}".getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (var bad : badRecords.entrySet()) {
                producer.send(new ProducerRecord<>(Topics.ROLLOUTS.name(), 0, bad.getKey(), bad.getValue())).get();
            }
            producer.send(new ProducerRecord<>(Topics.ROLLOUTS.name(), 0, validId, Messages.encode(rollout(validId)))).get();
        }

        List<ConsumerRecord<String, byte[]>> dead = readUntil(Topics.ROLLOUTS.deadLetterTopic(), badRecords.size());
        assertThat(dead).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(badRecords.keySet());
        for (ConsumerRecord<String, byte[]> record : dead) {
            assertThat(record.value()).as("original value of %s", record.key()).isEqualTo(badRecords.get(record.key()));
            assertThat(header(record, DeadLetters.SERVICE)).isEqualTo("reward-service");
            assertThat(header(record, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.ROLLOUTS.name());
            assertThat(header(record, DeadLetters.ERROR)).isNotBlank();
            assertThat(header(record, DeadLetters.TIME)).isNotBlank();
        }
        ConsumerRecord<String, byte[]> schema = dead.stream().filter(r -> r.key().equals("dlq-schema")).findFirst().orElseThrow();
        assertThat(header(schema, DeadLetters.ERROR)).contains("schema_version 42");

        List<ConsumerRecord<String, byte[]>> scored = readUntil(Topics.SCORED.name(), 1);
        assertThat(scored).extracting(ConsumerRecord::key).contains(validId);
        assertThat(reward.getBean(io.reasonflow.reward.stream.RewardCounters.class).rolloutsDeadLettered())
                .isEqualTo(badRecords.size());
    }

    @Test
    void rolloutMetricsServed() throws Exception {
        String port = rollout.getEnvironment().getProperty("local.server.port");
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("reasonflow_rollout_tokens_generated_total")
                .contains("reasonflow_rollout_refused_updates_total").contains("reasonflow_rollout_batch_fill")
                .contains("reasonflow_rollout_weight_sync_seconds_total");
    }

    @Test
    void invalidPromptsDeadLettered() throws Exception {
        String valid = new String(Messages.encode(prompt("dlq-prompt-ok")), StandardCharsets.UTF_8);
        Map<String, byte[]> badRecords = Map.of(
                "dlq-prompt-temperature", valid.replace("\"temperature\":1.0", "\"temperature\":-1.0")
                        .getBytes(StandardCharsets.UTF_8),
                "dlq-prompt-group-size", valid.replace("\"group_size\":2", "\"group_size\":0")
                        .getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (var bad : badRecords.entrySet()) {
                producer.send(new ProducerRecord<>(Topics.PROMPTS.name(), 1, bad.getKey(), bad.getValue())).get();
            }
        }

        List<ConsumerRecord<String, byte[]>> dead = readUntil(Topics.PROMPTS.deadLetterTopic(), badRecords.size());
        assertThat(dead).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(badRecords.keySet());
        ConsumerRecord<String, byte[]> temperature = dead.stream()
                .filter(r -> r.key().equals("dlq-prompt-temperature")).findFirst().orElseThrow();
        assertThat(header(temperature, DeadLetters.ERROR)).contains("temperature is -1.0");
        assertThat(header(temperature, DeadLetters.SERVICE)).isEqualTo("rollout-service");
    }

    private static PromptMessage prompt(String groupId) {
        SamplingSettings sampling = new SamplingSettings(2, 1.0, 1.0, 0, 16, List.of("</answer>"));
        return new PromptMessage(Messages.SCHEMA_VERSION, "dlq-run", groupId, "p", "arithmetic",
                "User: 2+2\nAssistant: ", "4", Purpose.TRAIN, sampling, 0);
    }

    private static RolloutGroup rollout(String groupId) {
        PromptMessage prompt = prompt(groupId);
        Completion completion = new Completion("<think>\n2+2=4\n</think>\n<answer>4</answer>", new int[] {1},
                new double[] {-0.1}, FinishReason.STOP);
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 0, "test", List.of(completion, completion));
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(p);
    }

    private static List<ConsumerRecord<String, byte[]>> readUntil(String topic, int count) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }
}
