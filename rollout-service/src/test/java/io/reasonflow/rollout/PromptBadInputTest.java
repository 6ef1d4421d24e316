package io.reasonflow.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.Topics;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.service.DeadLetters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Prompts the rollout service cannot read, against a real broker and a tiny published policy: each goes to
 * {@code reasonflow.prompts.dlq} with the reason in {@code reasonflow-dlq-error}, a valid prompt behind them on
 * the same partition is still generated and published, and the dead-letter counter on {@code /actuator/prometheus}
 * ({@code reasonflow_dead_letters_sent_total}) rises.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class PromptBadInputTest {
    private static final String RUN = "prompt-bad-input";
    private static final String CASE = "test-case";
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Far more than the 512 positions of the test model, and below the broker's default record limit of 1 MB. */
    private static final int LARGE_PROMPT_CHARS = 600 * 1024;

    private EmbeddedKafkaKraftBroker broker;
    private ConfigurableApplicationContext service;

    @BeforeAll
    void start() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        List<NewTopic> topics = new ArrayList<>();
        for (String name : List.of(Topics.PROMPTS.name(), Topics.PROMPTS.deadLetterTopic(), Topics.ROLLOUTS.name(),
                Topics.POLICY.name(), Topics.POLICY_CHUNKS.name())) {
            topics.add(new NewTopic(name, 1, (short) 1));
        }
        broker.addTopics(topics.toArray(NewTopic[]::new));
        publishPolicy();
        service = RolloutApplication.builder().registerShutdownHook(false).run(
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(), "--server.port=0",
                "--reasonflow.rollout.run-id=" + RUN, "--reasonflow.rollout.worker-id=bad-input-worker",
                "--reasonflow.rollout.policy-wait-timeout=60s");
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void badPromptsGoToDeadLetterTopic() throws Exception {
        String valid = json(prompt("ok", "User: 1+1\nAssistant: "));
        Map<String, String> reasons = new LinkedHashMap<>();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        add(records, reasons, "json", valid.substring(0, valid.length() / 2), "not a valid PromptMessage");
        add(records, reasons, "schema", valid.replace("\"schema_version\":1", "\"schema_version\":9"),
                "unsupported schema_version 9");
        add(records, reasons, "missing", valid.replace("\"task\":", "\"task_name\":"), "task");
        add(records, reasons, "nan", valid.replace("\"temperature\":1.0", "\"temperature\":NaN"), "NaN");
        add(records, reasons, "infinite", valid.replace("\"temperature\":1.0", "\"temperature\":1e999"),
                "sampling.temperature' is Infinity");
        records.add(new ProducerRecord<>(Topics.PROMPTS.name(), "ok", utf8(valid)));

        send(records);

        assertThat(read(Topics.ROLLOUTS.name(), "ok", WAIT)).as("rollout group of the valid prompt").hasSize(1);
        assertDeadLettered(reasons);
    }

    @Test
    void overlongPromptsGoToDeadLetterTopicAlone() throws Exception {
        Map<String, String> reasons = new LinkedHashMap<>();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        // Its group alone is over the batch's token budget, so it is refused before it is queued.
        add(records, reasons, "large", json(prompt("large", "x".repeat(LARGE_PROMPT_CHARS))),
                "over reasonflow.rollout.max-batch-tokens");
        records.add(new ProducerRecord<>(Topics.PROMPTS.name(), "after-large",
                utf8(json(prompt("after-large", "User: 2+2\nAssistant: ")))));
        // Longer than the model's 512 positions but small enough to share a generation batch with others.
        add(records, reasons, "long", json(prompt("long", "y".repeat(600))), "exceeds max_position_embeddings");
        records.add(new ProducerRecord<>(Topics.PROMPTS.name(), "after-long",
                utf8(json(prompt("after-long", "User: 4+4\nAssistant: ")))));

        send(records);

        assertThat(read(Topics.ROLLOUTS.name(), "after-large", WAIT)).as("group of the prompt after the large one")
                .hasSize(1);
        assertThat(read(Topics.ROLLOUTS.name(), "after-long", WAIT)).as("group of the prompt after the long one")
                .hasSize(1);
        assertDeadLettered(reasons);
    }

    @Test
    void deadLettersAreCounted() throws Exception {
        double before = deadLettersSent();

        send(List.of(new ProducerRecord<>(Topics.PROMPTS.name(), "counted", utf8("{not json")),
                new ProducerRecord<>(Topics.PROMPTS.name(), "counted-ok",
                        utf8(json(prompt("counted-ok", "User: 3+3\nAssistant: "))))));
        assertThat(read(Topics.ROLLOUTS.name(), "counted-ok", WAIT)).hasSize(1);

        assertThat(deadLettersSent() - before).isEqualTo(1.0);
    }

    /** Returns the service's dead-letter counter on {@code /actuator/prometheus}, 0 before its first dead letter. */
    private double deadLettersSent() throws Exception {
        HttpResponse<String> metrics = get("/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        Matcher counter = Pattern.compile("^reasonflow_dead_letters_sent_total\\{[^}]*service=\"rollout-service\"[^}]*} "
                + "(\\S+)$", Pattern.MULTILINE).matcher(metrics.body());
        return counter.find() ? Double.parseDouble(counter.group(1)) : 0.0;
    }

    private void assertDeadLettered(Map<String, String> reasons) {
        List<ConsumerRecord<String, byte[]>> dead = read(Topics.PROMPTS.deadLetterTopic(), null, Duration.ofSeconds(3))
                .stream().filter(record -> reasons.containsKey(header(record, CASE))).toList();
        assertThat(dead).extracting(record -> header(record, CASE))
                .containsExactlyInAnyOrderElementsOf(reasons.keySet());
        for (ConsumerRecord<String, byte[]> record : dead) {
            String name = header(record, CASE);
            assertThat(header(record, DeadLetters.ERROR)).as("reason of %s", name).contains(reasons.get(name));
            assertThat(header(record, DeadLetters.SERVICE)).as("service of %s", name).isEqualTo("rollout-service");
        }
    }

    private static void add(List<ProducerRecord<String, byte[]>> records, Map<String, String> reasons, String key,
            String value, String reason) {
        reasons.put(key, reason);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.PROMPTS.name(), key, utf8(value));
        record.headers().add(CASE, utf8(key));
        records.add(record);
    }

    private static PromptMessage prompt(String groupId, String text) {
        SamplingSettings sampling = new SamplingSettings(2, 1.0, 1.0, 0, 4, List.of("</answer>"));
        return new PromptMessage(Messages.SCHEMA_VERSION, RUN, groupId, "p-" + groupId, "arithmetic", text, "2",
                Purpose.TRAIN, sampling, 0);
    }

    /** Publishes a tiny randomly initialised model as version 0 of the run, in one chunk. */
    private void publishPolicy() throws Exception {
        ByteTokenizer tokenizer = new ByteTokenizer();
        ModelConfig config = ModelConfig.tiny(tokenizer.vocabSize(), tokenizer.bosId(), tokenizer.eosId());
        byte[] weights;
        try (PolicyModel model = PolicyModel.initialize(config, 7)) {
            weights = model.toSafetensors();
        }
        PolicyChunk chunk = new PolicyChunk(Messages.SCHEMA_VERSION, RUN, 0, 0, 1, sha256(weights), weights);
        PolicyManifest manifest = new PolicyManifest(Messages.SCHEMA_VERSION, RUN, 0, 0, null, "safetensors",
                weights.length, sha256(weights), 1, null, config.toJson());
        send(List.of(new ProducerRecord<>(Topics.POLICY_CHUNKS.name(), chunk.key(), Messages.encode(chunk)),
                new ProducerRecord<>(Topics.POLICY.name(), RUN, Messages.encode(manifest))));
    }

    private void send(List<ProducerRecord<String, byte[]>> records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000), new StringSerializer(),
                new ByteArraySerializer())) {
            for (ProducerRecord<String, byte[]> record : records) {
                producer.send(record).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Reads {@code topic} from its start until a record with {@code key} arrives (all records when null). */
    private List<ConsumerRecord<String, byte[]>> read(String topic, String key, Duration limit) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < deadline && (key == null || records.isEmpty())) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key == null || key.equals(record.key())) {
                        records.add(record);
                    }
                }
            }
        }
        return records;
    }

    private HttpResponse<String> get(String path) throws Exception {
        String port = service.getEnvironment().getProperty("local.server.port");
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static String json(Object message) {
        return new String(Messages.encode(message), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
