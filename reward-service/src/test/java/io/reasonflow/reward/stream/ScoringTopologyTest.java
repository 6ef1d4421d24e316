package io.reasonflow.reward.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
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
import io.reasonflow.reward.GroupScorer;
import io.reasonflow.reward.RewardProperties;
import io.reasonflow.reward.plugin.GroupGrader;
import io.reasonflow.reward.plugin.HttpGrader;
import io.reasonflow.reward.plugin.HttpGraderSettings;
import io.reasonflow.service.DeadLetters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ScoringTopologyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String RIGHT = "<think>\n40 + 2 = 42\n</think>\n<answer>42</answer>";
    private static final String WRONG = "<think>\nguess\n</think>\n<answer>41</answer>";

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> rollouts;
    private TestInputTopic<String, byte[]> rewards;
    private TestOutputTopic<String, byte[]> scored;
    private TestOutputTopic<String, byte[]> rolloutsDlq;
    private TestOutputTopic<String, byte[]> rewardsDlq;
    private final RewardCounters counters = new RewardCounters();

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private void start(List<String> kafkaGraders) {
        start(kafkaGraders, Map.of());
    }

    private void start(List<String> kafkaGraders, Map<String, HttpGrader> httpGraders) {
        Map<String, Double> weights = new LinkedHashMap<>(Map.of("accuracy", 1.0, "format", 0.2));
        kafkaGraders.forEach(name -> weights.put(name, 0.5));
        Map<String, RewardProperties.HttpGraderProperties> http = new LinkedHashMap<>();
        httpGraders.forEach((name, grader) -> {
            weights.put(name, 2.0);
            http.put(name, new RewardProperties.HttpGraderProperties(grader.settings().url(), null, null, null, null,
                    null, null, null, null));
        });
        // "judge" is optional wherever it runs: its null leaves the total to the other graders.
        List<String> optional = kafkaGraders.contains("judge") || http.containsKey("judge") ? List.of("judge") : List.of();
        RewardProperties properties = new RewardProperties(weights, kafkaGraders, optional, TIMEOUT, http, null, null,
                null);
        List<GroupGrader> groupGraders = List.copyOf(httpGraders.values());
        Topology topology = ScoringTopology.build(new Topology(),
                new ScoringTopology.Settings(kafkaGraders, TIMEOUT, "reward-service"),
                () -> new GroupScorer(properties, groupGraders), counters);
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "reward-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        driver = new TopologyTestDriver(topology, config, Instant.parse("2026-01-01T00:00:00Z"));
        StringSerializer keys = new StringSerializer();
        ByteArraySerializer values = new ByteArraySerializer();
        rollouts = driver.createInputTopic(Topics.ROLLOUTS.name(), keys, values);
        rewards = driver.createInputTopic(Topics.REWARDS.name(), keys, values);
        StringDeserializer keysIn = new StringDeserializer();
        ByteArrayDeserializer valuesIn = new ByteArrayDeserializer();
        scored = driver.createOutputTopic(Topics.SCORED.name(), keysIn, valuesIn);
        rolloutsDlq = driver.createOutputTopic(Topics.ROLLOUTS.deadLetterTopic(), keysIn, valuesIn);
        rewardsDlq = driver.createOutputTopic(Topics.REWARDS.deadLetterTopic(), keysIn, valuesIn);
    }

    private static RolloutGroup group(String groupId, String... texts) {
        SamplingSettings sampling = new SamplingSettings(texts.length, 1.0, 1.0, 0, 64, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run", groupId, "p0", "arithmetic",
                "User: 40+2\nAssistant: ", "42", Purpose.TRAIN, sampling, 0);
        List<Completion> completions = Arrays.stream(texts)
                .map(t -> new Completion(t, new int[] {1, 2}, new double[] {-0.5, -0.1}, FinishReason.STOP)).toList();
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 3, "worker", completions);
    }

    private void sendRollout(RolloutGroup group) {
        rollouts.pipeInput(group.groupId(), Messages.encode(group));
    }

    private void sendPartial(String groupId, String grader, Double... scores) {
        rewards.pipeInput(groupId, Messages.encode(new PartialScores(Messages.SCHEMA_VERSION, groupId, grader,
                Arrays.asList(scores), Map.of())));
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void scoresGroupAtOnceWithoutPlugins() {
        start(List.of());
        sendRollout(group("g-1", RIGHT, WRONG));

        TestRecord<String, byte[]> out = scored.readRecord();
        ScoredGroup group = Topics.SCORED.decode(out.value());
        assertThat(out.key()).isEqualTo("g-1");
        assertThat(group.scores().get(0).graderScores()).containsEntry("accuracy", 1.0).containsEntry("format", 1.0);
        assertThat(group.scores().get(0).total()).isEqualTo(1.2);
        assertThat(group.scores().get(1).total()).isEqualTo(0.2);
        assertThat(scored.isEmpty()).isTrue();
        assertThat(counters.groupsScored()).isEqualTo(1);
        assertThat(counters.completionsScored()).isEqualTo(2);
    }

    @Test
    void httpGraderScoreCountsInTotal() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/grade", exchange -> {
            byte[] body = "{\"scores\": [0.25, null]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/grade");
        try (HttpGrader judge = new HttpGrader(HttpGraderSettings.defaults("judge", url))) {
            start(List.of(), Map.of("judge", judge));
            sendRollout(group("g-1", RIGHT, WRONG));

            ScoredGroup group = Topics.SCORED.decode(scored.readRecord().value());
            assertThat(group.scores().get(0).graderScores()).containsEntry("judge", 0.25);
            assertThat(group.scores().get(0).total()).isEqualTo(1.7);
            assertThat(group.scores().get(1).graderScores()).containsEntry("judge", null);
            assertThat(group.scores().get(1).total()).isEqualTo(0.2);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void splicedEncodingMatchesPlainEncoding() {
        RolloutGroup rollout = group("g-1", RIGHT, WRONG);
        ScoredGroup scored = new GroupScorer(Map.of("accuracy", 1.0)).score(rollout);
        byte[] withBom = ("\uFEFF" + new String(Messages.encode(rollout), StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);

        for (byte[] raw : List.of(Messages.encode(rollout), withBom)) {
            ScoredGroup decoded = Topics.SCORED.decode(ScoringProcessor.encode(raw, scored.scores()));
            assertThat(Messages.encode(decoded)).isEqualTo(Messages.encode(scored));
        }
    }

    @Test
    void undecodableRolloutDeadLettered() {
        start(List.of());
        byte[] garbage = "{not json".getBytes(StandardCharsets.UTF_8);
        rollouts.pipeInput("g-bad", garbage);

        TestRecord<String, byte[]> dead = rolloutsDlq.readRecord();
        assertThat(dead.value()).isEqualTo(garbage);
        assertThat(header(dead.headers(), DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.ROLLOUTS.name());
        assertThat(header(dead.headers(), DeadLetters.ORIGINAL_OFFSET)).isEqualTo("0");
        assertThat(header(dead.headers(), DeadLetters.SERVICE)).isEqualTo("reward-service");
        assertThat(header(dead.headers(), DeadLetters.ERROR)).isNotBlank();
        assertThat(scored.isEmpty()).isTrue();
        assertThat(counters.rolloutsDeadLettered()).isEqualTo(1);
    }

    @Test
    void keyMustBeGroupId() {
        start(List.of());
        rollouts.pipeInput("other", Messages.encode(group("g-1", RIGHT)));

        assertThat(header(rolloutsDlq.readRecord().headers(), DeadLetters.ERROR)).contains("differs from group_id");
        assertThat(scored.isEmpty()).isTrue();
    }

    @Test
    void waitsForEveryKafkaGrader() {
        start(List.of("arithmetic", "judge"));
        sendRollout(group("g-1", RIGHT, WRONG));
        sendPartial("g-1", "arithmetic", 1.0, null);
        assertThat(scored.isEmpty()).isTrue();

        sendPartial("g-1", "judge", 0.0, 1.0);

        ScoredGroup group = Topics.SCORED.decode(scored.readRecord().value());
        assertThat(group.scores().get(0).graderScores()).containsEntry("accuracy", 1.0)
                .containsEntry("arithmetic", 1.0).containsEntry("judge", 0.0);
        assertThat(group.scores().get(0).total()).isEqualTo(1.7);
        assertThat(group.scores().get(1).graderScores()).containsEntry("arithmetic", null);
        assertThat(group.scores().get(1).total()).isNull();
        assertThat(counters.ungradable()).containsEntry("arithmetic", 1L);
        assertThat(scored.isEmpty()).isTrue();
    }

    @Test
    void partialBeforeRolloutMerges() {
        start(List.of("arithmetic"));
        sendPartial("g-1", "arithmetic", 0.5);
        assertThat(scored.isEmpty()).isTrue();

        sendRollout(group("g-1", RIGHT));

        ScoredGroup group = Topics.SCORED.decode(scored.readRecord().value());
        assertThat(group.scores().get(0).graderScores()).containsEntry("arithmetic", 0.5);
        assertThat(group.scores().get(0).total()).isEqualTo(1.45);
    }

    @Test
    void incompleteGroupDeadLetteredAfterTimeout() {
        start(List.of("arithmetic", "judge"));
        RolloutGroup rollout = group("g-1", RIGHT);
        sendRollout(rollout);
        sendPartial("g-1", "arithmetic", 1.0);

        driver.advanceWallClockTime(TIMEOUT.minusSeconds(5));
        assertThat(rolloutsDlq.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(10));

        TestRecord<String, byte[]> dead = rolloutsDlq.readRecord();
        assertThat(dead.key()).isEqualTo("g-1");
        assertThat(dead.value()).isEqualTo(Messages.encode(rollout));
        assertThat(header(dead.headers(), ScoringProcessor.MISSING_GRADERS_HEADER)).isEqualTo("judge");
        assertThat(header(dead.headers(), DeadLetters.ERROR)).contains("[judge]").contains("30 s");
        assertThat(counters.incompleteGroups()).isEqualTo(1);
        assertThat(scored.isEmpty()).isTrue();

        sendPartial("g-1", "judge", 1.0);
        driver.advanceWallClockTime(TIMEOUT.plusSeconds(5));
        assertThat(header(rewardsDlq.readRecord().headers(), DeadLetters.ERROR)).contains("no rollout group g-1");
        assertThat(scored.isEmpty()).isTrue();
    }

    @Test
    void wrongSizePartialDeadLettered() {
        start(List.of("arithmetic"));
        sendRollout(group("g-1", RIGHT, WRONG));
        sendPartial("g-1", "arithmetic", 1.0);

        assertThat(header(rewardsDlq.readRecord().headers(), DeadLetters.ERROR))
                .contains("scores has 1 entries but group g-1 has 2 completions");
        assertThat(scored.isEmpty()).isTrue();

        sendPartial("g-1", "arithmetic", 1.0, 0.0);
        assertThat(Topics.SCORED.decode(scored.readRecord().value()).scores()).hasSize(2);
    }

    @Test
    void earlyWrongSizePartialDeadLettered() {
        start(List.of("arithmetic"));
        sendPartial("g-1", "arithmetic", 1.0, 1.0, 1.0);
        sendRollout(group("g-1", RIGHT));

        assertThat(header(rewardsDlq.readRecord().headers(), DeadLetters.ERROR)).contains("scores has 3 entries");
        assertThat(scored.isEmpty()).isTrue();
        sendPartial("g-1", "arithmetic", 1.0);
        assertThat(scored.isEmpty()).isFalse();
    }

    @Test
    void unlistedOrUndecodablePartialDeadLettered() {
        start(List.of("arithmetic"));
        sendPartial("g-1", "judge", 1.0);
        rewards.pipeInput("g-2", "[]".getBytes(StandardCharsets.UTF_8));

        assertThat(header(rewardsDlq.readRecord().headers(), DeadLetters.ERROR))
                .contains("'judge' is not listed in reasonflow.reward.kafka-graders [arithmetic]");
        assertThat(header(rewardsDlq.readRecord().headers(), DeadLetters.ORIGINAL_TOPIC))
                .isEqualTo(Topics.REWARDS.name());
        assertThat(counters.partialsDeadLettered()).isEqualTo(2);
    }

    @Test
    void repeatedPartialIgnored() {
        start(List.of("arithmetic", "judge"));
        sendRollout(group("g-1", RIGHT));
        sendPartial("g-1", "arithmetic", 1.0);
        sendPartial("g-1", "arithmetic", 0.0);
        sendPartial("g-1", "judge", 1.0);

        ScoredGroup group = Topics.SCORED.decode(scored.readRecord().value());
        assertThat(group.scores().get(0).graderScores()).containsEntry("arithmetic", 1.0);
        assertThat(counters.duplicatePartials()).isEqualTo(1);
        assertThat(rewardsDlq.isEmpty()).isTrue();
    }

    @Test
    void duplicateWaitingGroupDeadLettered() {
        start(List.of("arithmetic"));
        sendRollout(group("g-1", RIGHT));
        sendRollout(group("g-1", RIGHT));

        assertThat(header(rolloutsDlq.readRecord().headers(), DeadLetters.ERROR)).contains("arrived again");
        sendPartial("g-1", "arithmetic", 1.0);
        assertThat(scored.readRecordsToList()).hasSize(1);
    }
}
