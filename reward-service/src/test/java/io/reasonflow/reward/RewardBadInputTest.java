package io.reasonflow.reward;

import static io.reasonflow.reward.ServiceTestClients.group;
import static io.reasonflow.reward.ServiceTestClients.header;
import static io.reasonflow.reward.ServiceTestClients.metric;
import static io.reasonflow.reward.ServiceTestClients.read;
import static io.reasonflow.reward.ServiceTestClients.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PartialScores;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.service.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Records the reward service cannot read, on each of its input topics, against a real broker: each goes to
 * the topic's dead-letter topic with the reason in {@code reasonflow-dlq-error}, the dead-letter counter
 * rises, and a valid record behind them on the same partition is still scored. Completions built to make
 * the graders slow are scored within their time limit, and the service keeps scoring afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RewardBadInputTest {
    private static final String GRADER = "checker";
    private static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final Duration ACCURACY_TIME_LIMIT = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Header that names the case of each bad record; dead letters keep the original headers. */
    private static final String CASE = "test-case";

    private EmbeddedKafkaKraftBroker broker;
    private ConfigurableApplicationContext service;
    private Map<String, Object> client;

    @BeforeAll
    void start() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        List<NewTopic> topics = new ArrayList<>();
        for (String name : List.of(Topics.ROLLOUTS.name(), Topics.REWARDS.name(), Topics.SCORED.name(),
                Topics.ROLLOUTS.deadLetterTopic(), Topics.REWARDS.deadLetterTopic())) {
            // One partition each, so every bad record lies in front of the valid one that follows it.
            topics.add(new NewTopic(name, 1, (short) 1));
        }
        broker.addTopics(topics.toArray(NewTopic[]::new));
        client = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        Path stateDir = Files.createTempDirectory("reward-bad-input");
        service = RewardApplication.builder().registerShutdownHook(false).run(
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(), "--server.port=0",
                "--reasonflow.reward.kafka-graders=" + GRADER,
                "--reasonflow.reward.weights." + GRADER + "=0.5",
                "--reasonflow.reward.max-record-bytes=" + MAX_RECORD_BYTES,
                "--reasonflow.reward.graders.accuracy-time-limit=" + ACCURACY_TIME_LIMIT.toMillis() + "ms",
                "--reasonflow.reward.streams.state-dir=" + stateDir);
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
    void badRolloutsGoToDeadLetterTopic() throws Exception {
        double before = metric(service, "reasonflow_reward_dead_lettered_total{reason=\"invalid_rollout\"}");
        String valid = json(group("r-ok", "<think>12+30</think>\n<answer>42</answer>"));
        BadRecords bad = new BadRecords(Topics.ROLLOUTS.name());
        bad.add("r-json", valid.substring(0, valid.length() / 2), "not a valid RolloutView");
        bad.add("r-schema", valid.replace("\"schema_version\":1", "\"schema_version\":7"),
                "unsupported schema_version 7");
        bad.add("r-missing", valid.replace("\"completions\":", "\"completions_renamed\":"), "completions");
        bad.add("r-nan", valid.replace("\"temperature\":1.0", "\"temperature\":NaN"), "NaN");
        bad.add("r-infinite", valid.replace("\"temperature\":1.0", "\"temperature\":1e999"),
                "sampling.temperature' is Infinity");
        bad.add("r-large", json(group("r-large", "x".repeat(MAX_RECORD_BYTES))),
                "above the limit of " + MAX_RECORD_BYTES + " bytes set by reasonflow.reward.max-record-bytes");
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(bad.records());
        records.add(new ProducerRecord<>(Topics.ROLLOUTS.name(), "r-ok", utf8(valid)));

        send(client, records);
        send(client, Topics.REWARDS.name(), "r-ok", partial("r-ok", 1));

        List<ConsumerRecord<String, byte[]>> scored = read(client, Topics.SCORED.name(), List.of("r-ok"), 1, WAIT);
        assertThat(scored).as("the valid group behind the bad ones").hasSize(1);
        assertThat(Topics.SCORED.decode(scored.get(0).value()).scores().get(0).graderScores())
                .containsEntry("accuracy", 1.0).containsEntry(GRADER, 1.0);
        assertDeadLettered(bad);
        assertThat(metric(service, "reasonflow_reward_dead_lettered_total{reason=\"invalid_rollout\"}") - before)
                .isEqualTo(bad.reasons().size());
    }

    @Test
    void badPartialScoresGoToDeadLetterTopic() throws Exception {
        double before = metric(service, "reasonflow_reward_dead_lettered_total{reason=\"partial_scores\"}");
        // The group waits for its grader while the bad records for it arrive.
        String group = json(group("p-ok", "<answer>42</answer>", "<answer>41</answer>"));
        send(client, Topics.ROLLOUTS.name(), "p-ok", utf8(group));
        String valid = new String(partial("p-ok", 2), StandardCharsets.UTF_8);
        BadRecords bad = new BadRecords(Topics.REWARDS.name());
        bad.add("p-ok", valid.substring(0, valid.length() - 3), "not a valid PartialScores");
        bad.add("p-ok", valid.replace("\"schema_version\":1", "\"schema_version\":0"), "unsupported schema_version 0");
        bad.add("p-ok", valid.replace("\"grader\":", "\"grader_name\":"), "grader");
        bad.add("p-ok", valid.replace("[1.0,1.0]", "[NaN,1.0]"), "NaN");
        bad.add("p-ok", valid.replace("[1.0,1.0]", "[-1e999,1.0]"), "scores[0]' is -Infinity");
        String details = "\"details\":{\"log\":\"" + "y".repeat(MAX_RECORD_BYTES) + "\"}";
        bad.add("p-ok", valid.replace("\"details\":{}", details), "above the limit of " + MAX_RECORD_BYTES + " bytes");
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(bad.records());
        records.add(new ProducerRecord<>(Topics.REWARDS.name(), "p-ok", utf8(valid)));

        send(client, records);

        List<ConsumerRecord<String, byte[]>> scored = read(client, Topics.SCORED.name(), List.of("p-ok"), 1, WAIT);
        assertThat(scored).as("the group completed by the valid scores").hasSize(1);
        // accuracy 1.0 + format 0.2 x 0 + checker 0.5 x 1.0; the second answer is wrong
        assertThat(Topics.SCORED.decode(scored.get(0).value()).scores()).extracting(CompletionScore::total)
                .containsExactly(1.5, 0.5);
        assertDeadLettered(bad);
        assertThat(metric(service, "reasonflow_reward_dead_lettered_total{reason=\"partial_scores\"}") - before)
                .isEqualTo(bad.reasons().size());
    }

    @Test
    void adversarialCompletionsAreScoredWithinTheirTimeLimit() throws Exception {
        String[] completions = {
            "\\boxed{" + "{".repeat(10_000) + "7" + "}".repeat(10_000) + "}",
            "\\boxed{10^{10^{10}}}",
            "\\boxed{e^{e^{e^{e^{3}}}}}",
            "\\boxed{\\frac{(x+1)^{60}-1}{x}}",
            "<answer>" + "{".repeat(100) + "42" + "}".repeat(100) + "</answer>",
            "the answer is $".repeat(1_000),
            "<think>12+30=42</think>\n<answer>42</answer>",
        };
        // The first symbolic comparison loads Symja, which takes seconds outside the time limit.
        send(client, Topics.ROLLOUTS.name(), "warm-up", utf8(json(group("warm-up", "\\boxed{\\sqrt{12}}"))));
        send(client, Topics.REWARDS.name(), "warm-up", partial("warm-up", 1));
        assertThat(read(client, Topics.SCORED.name(), List.of("warm-up"), 1, WAIT)).hasSize(1);
        double ungradableBefore = metric(service, "reasonflow_reward_ungradable_total{grader=\"accuracy\"}");
        long start = System.nanoTime();

        send(client, Topics.ROLLOUTS.name(), "adv", utf8(json(group("adv", completions))));
        send(client, Topics.REWARDS.name(), "adv", partial("adv", completions.length));
        List<ConsumerRecord<String, byte[]>> scored = read(client, Topics.SCORED.name(), List.of("adv"), 1, WAIT);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(scored).hasSize(1);
        ScoredGroup group = Topics.SCORED.decode(scored.get(0).value());
        List<Double> accuracy = group.scores().stream().map(score -> score.graderScores().get("accuracy")).toList();
        assertThat(accuracy).containsExactly(0.0, null, null, null, null, 0.0, 1.0);
        // Each completion takes at most the time limit plus scheduling slack on a loaded machine.
        long bound = completions.length * (ACCURACY_TIME_LIMIT.toMillis() + 3_000);
        assertThat(millis).as("time from sending the group to reading its scores").isLessThan(bound);
        assertThat(metric(service, "reasonflow_reward_ungradable_total{grader=\"accuracy\"}") - ungradableBefore)
                .isEqualTo(4);

        send(client, Topics.ROLLOUTS.name(), "after-adv", utf8(json(group("after-adv", "<answer>42</answer>"))));
        send(client, Topics.REWARDS.name(), "after-adv", partial("after-adv", 1));
        assertThat(read(client, Topics.SCORED.name(), List.of("after-adv"), 1, WAIT)).as("the next group").hasSize(1);
        assertThat(ServiceTestClients.get(service, "/actuator/health").body()).contains("\"UP\"");
    }

    private void assertDeadLettered(BadRecords bad) {
        String topic = bad.topic();
        List<ConsumerRecord<String, byte[]>> dead = read(client, topic + ".dlq", List.of(), Integer.MAX_VALUE,
                Duration.ofSeconds(3)).stream().filter(record -> bad.reasons().containsKey(header(record, CASE)))
                .toList();
        assertThat(dead).extracting(record -> header(record, CASE)).as("dead letters of %s", topic)
                .containsExactlyInAnyOrderElementsOf(bad.reasons().keySet());
        for (ConsumerRecord<String, byte[]> record : dead) {
            String name = header(record, CASE);
            assertThat(header(record, DeadLetters.ERROR)).as("reason of %s", name).contains(bad.reasons().get(name));
            assertThat(header(record, DeadLetters.ORIGINAL_TOPIC)).as("source of %s", name).isEqualTo(topic);
            assertThat(header(record, DeadLetters.SERVICE)).as("service of %s", name).isEqualTo("reward-service");
        }
    }

    /** Bad records for one topic, each marked with a header that its dead letter keeps, and their reasons. */
    private record BadRecords(String topic, List<ProducerRecord<String, byte[]>> records, Map<String, String> reasons) {
        BadRecords(String topic) {
            this(topic, new ArrayList<>(), new LinkedHashMap<>());
        }

        void add(String key, String value, String reason) {
            String name = topic + "#" + reasons.size();
            reasons.put(name, reason);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, utf8(value));
            record.headers().add(CASE, utf8(name));
            records.add(record);
        }
    }

    private static byte[] partial(String groupId, int completions) {
        Double[] scores = new Double[completions];
        Arrays.fill(scores, 1.0);
        return Messages.encode(new PartialScores(Messages.SCHEMA_VERSION, groupId, GRADER, Arrays.asList(scores),
                Map.of()));
    }

    private static String json(Object message) {
        return new String(Messages.encode(message), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
