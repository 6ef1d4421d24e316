package io.reasonflow.trainer.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
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
import io.reasonflow.service.DeadLetters;
import io.reasonflow.trainer.TrainerApplication;
import io.reasonflow.trainer.ledger.Ledger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Records the trainer cannot read, on {@code reasonflow.scored} and on the dead-letter topics it watches, against
 * a real broker. A bad scored record goes to {@code reasonflow.scored.dlq} with the reason, the valid group
 * behind it is delivered, and {@code reasonflow_trainer_scored_dead_lettered_total} counts it. Malformed dead
 * letters (no key, a header without a value, another run's group) neither stop the trainer nor count as
 * dead-lettered groups of its run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TrainerBadInputTest {
    private static final String RUN = "bad-input-run";
    private static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final String CASE = "test-case";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private EmbeddedKafkaKraftBroker broker;
    private ConfigurableApplicationContext trainer;
    private TrainerIo io;

    @BeforeAll
    void start(@TempDir Path output) {
        broker = new EmbeddedKafkaKraftBroker(1, 1, Topics.SCORED.name(), Topics.SCORED.deadLetterTopic(),
                Topics.PROMPTS.deadLetterTopic(), Topics.ROLLOUTS.deadLetterTopic());
        broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        trainer = TrainerApplication.builder().registerShutdownHook(false).run(
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(), "--server.port=0",
                "--reasonflow.trainer.run-id=" + RUN, "--reasonflow.trainer.output-dir=" + output,
                "--reasonflow.trainer.max-record-bytes=" + MAX_RECORD_BYTES);
        io = trainer.getBean(TrainerIo.class);
        io.startReading(null);
    }

    @AfterAll
    void stop() {
        if (trainer != null) {
            trainer.close();
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void badScoredRecordsGoToDeadLetterTopic() throws Exception {
        double before = deadLetteredCount();
        String valid = new String(Messages.encode(scored(RUN, "s-ok", "<answer>2</answer>")), StandardCharsets.UTF_8);
        Map<String, String> reasons = new LinkedHashMap<>();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        add(records, reasons, "s-json", valid.substring(0, 40), "not a valid ScoredGroup");
        add(records, reasons, "s-schema", valid.replaceFirst("\"schema_version\":1", "\"schema_version\":3"),
                "unsupported schema_version 3");
        add(records, reasons, "s-missing", valid.replace("\"scores\":[{", "\"points\":[{"), "scores");
        add(records, reasons, "s-nan", valid.replace("\"total\":1.0", "\"total\":NaN"), "NaN");
        add(records, reasons, "s-infinite", valid.replace("\"total\":1.0", "\"total\":1e999"),
                "scores.total' is Infinity");
        String largeGroup = new String(Messages.encode(scored(RUN, "s-large", "x".repeat(MAX_RECORD_BYTES))),
                StandardCharsets.UTF_8);
        add(records, reasons, "s-large", largeGroup, "above the limit of " + MAX_RECORD_BYTES
                + " bytes set by reasonflow.trainer.max-record-bytes");
        records.add(new ProducerRecord<>(Topics.SCORED.name(), "s-ok", valid.getBytes(StandardCharsets.UTF_8)));

        send(records);

        assertThat(pollUntil("s-ok")).as("the valid group behind the bad ones").isNotNull();
        List<ConsumerRecord<String, byte[]>> dead = read(Topics.SCORED.deadLetterTopic()).stream()
                .filter(record -> reasons.containsKey(header(record, CASE))).toList();
        assertThat(dead).extracting(record -> header(record, CASE))
                .containsExactlyInAnyOrderElementsOf(reasons.keySet());
        for (ConsumerRecord<String, byte[]> record : dead) {
            String name = header(record, CASE);
            assertThat(header(record, DeadLetters.ERROR)).as("reason of %s", name).contains(reasons.get(name));
            assertThat(header(record, DeadLetters.SERVICE)).as("service of %s", name).isEqualTo("trainer-service");
        }
        ConsumerRecord<String, byte[]> large = dead.stream().filter(record -> record.key().equals("s-large"))
                .findFirst().orElseThrow();
        assertThat(large.value()).as("a record above the limit is dead-lettered without its value").isNull();
        assertThat(header(large, DeadLetters.ORIGINAL_SIZE)).isNotNull();
        assertThat(deadLetteredCount() - before).isEqualTo(reasons.size());
        assertThat(get("/actuator/prometheus").body()).contains("reasonflow_trainer_scored_dead_lettered_total");
    }

    @Test
    void malformedDeadLettersAreSkipped() throws Exception {
        drainFor(Duration.ofSeconds(1)); // dead letters of the other tests
        Ledger ledger = new Ledger();
        ledger.publishedTrain("d-ok");
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        records.add(new ProducerRecord<>(Topics.ROLLOUTS.deadLetterTopic(), null, utf8("no key")));
        records.add(new ProducerRecord<>(Topics.ROLLOUTS.deadLetterTopic(), null, "d-headerless", utf8("{"),
                List.<Header>of(new RecordHeader(DeadLetters.ERROR, (byte[]) null))));
        records.add(new ProducerRecord<>(Topics.PROMPTS.deadLetterTopic(), "other-run-group", new byte[] {0, 1, 2}));
        records.add(new ProducerRecord<>(Topics.ROLLOUTS.deadLetterTopic(), null, "d-ok", null,
                List.<Header>of(new RecordHeader(DeadLetters.ERROR, utf8("incomplete after 60 s")))));

        send(records);

        List<String> keys = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!keys.contains("d-ok") && System.nanoTime() < deadline) {
            keys.addAll(io.drainDeadLettered());
            Thread.sleep(50);
        }
        keys.addAll(drainFor(Duration.ofMillis(500)));
        assertThat(keys).containsExactlyInAnyOrder("d-headerless", "other-run-group", "d-ok");
        assertThat(io.lastDeadLetterReason()).isEqualTo("incomplete after 60 s");
        List<String> counted = keys.stream().filter(ledger::deadLettered).toList();
        assertThat(counted).as("dead letters that settle a group of this run").containsExactly("d-ok");
        assertThat(ledger.toMap()).containsEntry("dead_lettered", 1L);
    }

    @Test
    void actuatorServesHealthAndMetricsOnly() throws Exception {
        for (String path : List.of("/actuator/env", "/actuator/beans", "/actuator/configprops", "/actuator/info",
                "/actuator/loggers", "/actuator/heapdump")) {
            assertThat(get(path).statusCode()).as(path).isEqualTo(404);
        }
        assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
        assertThat(get("/actuator/prometheus").statusCode()).isEqualTo(200);
    }

    private List<String> drainFor(Duration duration) throws InterruptedException {
        List<String> keys = new ArrayList<>();
        long deadline = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < deadline) {
            keys.addAll(io.drainDeadLettered());
            Thread.sleep(50);
        }
        return keys;
    }

    private ScoredGroup pollUntil(String groupId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            ScoredGroup group = io.pollScored(Purpose.TRAIN, Duration.ofMillis(200));
            if (group != null && group.groupId().equals(groupId)) {
                return group;
            }
        }
        return null;
    }

    private double deadLetteredCount() {
        return trainer.getBean(MeterRegistry.class).get("reasonflow.trainer.scored.dead.lettered").counter().count();
    }

    private static void add(List<ProducerRecord<String, byte[]>> records, Map<String, String> reasons, String key,
            String value, String reason) {
        reasons.put(key, reason);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.SCORED.name(), key, utf8(value));
        record.headers().add(CASE, utf8(key));
        records.add(record);
    }

    private void send(List<ProducerRecord<String, byte[]>> records) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (ProducerRecord<String, byte[]> record : records) {
                producer.send(record).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private List<ConsumerRecord<String, byte[]>> read(String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private HttpResponse<String> get(String path) throws Exception {
        String port = trainer.getEnvironment().getProperty("local.server.port");
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static ScoredGroup scored(String runId, String groupId, String text) {
        SamplingSettings sampling = new SamplingSettings(2, 1.0, 1.0, 0, 8, List.of());
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, runId, groupId, "p", "arithmetic",
                "User: 1+1\nAssistant: ", "2", Purpose.TRAIN, sampling, 0, 5L);
        Completion completion = new Completion(text, new int[] {60, 61}, new double[] {-1.0, -1.0}, FinishReason.STOP);
        RolloutGroup group = new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 0, "test",
                List.of(completion, completion));
        CompletionScore score = new CompletionScore(Map.of("accuracy", 1.0), 1.0);
        return new ScoredGroup(Messages.SCHEMA_VERSION, group, List.of(score, score));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
