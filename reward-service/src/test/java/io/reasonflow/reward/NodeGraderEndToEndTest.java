package io.reasonflow.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

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
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The Node.js example grader in {@code examples/node-grader} against an embedded broker and the reward
 * service: the service waits for its scores and merges them into every scored group.
 *
 * <p>Needs {@code node} on the PATH and {@code npm ci} run in the example's folder. Without them the
 * test is skipped, except under CI ({@code CI=true}), where it fails.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NodeGraderEndToEndTest {
    private static final int GROUPS = 12;
    private static final String RIGHT = "<think>\n12 + 30 = 42\n</think>\n<answer>42</answer>";
    private static final String WRONG = "<think>\n12 + 30 = 41\n</think>\n<answer>41</answer>";
    private static final String MIXED = "<think>\n12 + 30 = 42\n42 * 2 = 80\n</think>\n<answer>80</answer>";
    private static final String NO_EQUATION = "<think>\njust know it\n</think>\n<answer>42</answer>";

    @Test
    void exampleGraderScoresMergeIntoScoredGroups(@TempDir Path work) throws Exception {
        Path example = Path.of(System.getProperty("node.grader.dir", "../examples/node-grader"));
        requireNode(example);
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 4);
        broker.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        Process grader = null;
        try {
            createTopics(broker);
            // Node resolves "localhost" to ::1 first, and the broker listens on IPv4 only.
            String servers = broker.getBrokersAsString().replace("localhost", "127.0.0.1");
            try (ConfigurableApplicationContext reward = RewardApplication.builder().registerShutdownHook(false).run(
                    "--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                    "--reasonflow.reward.kafka-graders=arithmetic",
                    "--reasonflow.reward.optional-graders=arithmetic",
                    "--reasonflow.reward.weights.accuracy=1.0",
                    "--reasonflow.reward.weights.arithmetic=0.5",
                    "--reasonflow.reward.merge-timeout=2m",
                    "--reasonflow.reward.streams.state-dir=" + work.resolve("state"))) {
                grader = startGrader(example, servers, work.resolve("grader.log"));
                List<String> ids = publishGroups(servers);

                Map<String, ScoredGroup> scored = readScored(servers, GROUPS, Duration.ofSeconds(90));

                assertThat(scored.keySet()).as("scored groups (grader log: %s)", work.resolve("grader.log"))
                        .containsExactlyInAnyOrderElementsOf(ids);
                for (ScoredGroup group : scored.values()) {
                    List<CompletionScore> scores = group.scores();
                    assertThat(scores.get(0).graderScores()).containsEntry("arithmetic", 1.0);
                    // accuracy 1.0 x 1, format 0.2 x 1 (the service's default weight), arithmetic 0.5 x 1
                    assertThat(scores.get(0).total()).isEqualTo(1.7);
                    assertThat(scores.get(1).graderScores()).containsEntry("arithmetic", 0.0);
                    assertThat(scores.get(1).total()).isEqualTo(0.2);
                    assertThat(scores.get(2).graderScores()).containsEntry("arithmetic", 0.5);
                    assertThat(scores.get(3).graderScores()).containsEntry("arithmetic", null);
                    assertThat(scores.get(3).total()).isEqualTo(1.2);
                }
                assertThat(reward.getBean(io.reasonflow.reward.stream.RewardCounters.class).incompleteGroups())
                        .isZero();
                String metrics = prometheus(reward);
                assertThat(metrics).contains("reasonflow_reward_groups_scored_total " + (double) GROUPS);
                assertThat(metrics).contains("reasonflow_reward_completions_graded_total " + (double) (4 * GROUPS));
                assertThat(metrics).contains("reasonflow_reward_ungradable_total{grader=\"arithmetic\"} "
                        + (double) GROUPS);
                assertThat(metrics).contains("kafka_stream_");
            }
        } finally {
            if (grader != null) {
                grader.destroy();
                if (!grader.waitFor(30, TimeUnit.SECONDS)) {
                    grader.destroyForcibly();
                }
            }
            broker.destroy();
        }
    }

    /** Fetches the service's metrics page, as Prometheus scrapes it. */
    private static String prometheus(ConfigurableApplicationContext context) throws Exception {
        String port = context.getEnvironment().getProperty("local.server.port");
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static void requireNode(Path example) {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        String problem = null;
        if (!Files.isDirectory(example.resolve("node_modules/kafkajs"))) {
            problem = "kafkajs is not installed in " + example + "; run 'npm ci' there";
        } else if (!onPath("node")) {
            problem = "node is not on the PATH; install Node.js 18 or newer";
        }
        if (problem != null && ci) {
            fail(problem + " (.ci/run does both)");
        }
        Assumptions.assumeTrue(problem == null, problem);
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static Process startGrader(Path example, String servers, Path log) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("node", "index.js").directory(example.toFile())
                .redirectError(log.toFile());
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", servers);
        Process process = builder.start();
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.equals("arithmetic grader ready")) {
                        ready.countDown();
                    }
                }
            } catch (java.io.IOException e) {
                // The process ended; the latch times out if it never became ready.
            }
        }, "node-grader-output");
        reader.setDaemon(true);
        reader.start();
        if (!ready.await(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the Node.js grader did not print its ready line within 60 s; see " + log + ":\n"
                    + Files.readString(log));
        }
        return process;
    }

    private static void createTopics(EmbeddedKafkaKraftBroker broker) {
        List<NewTopic> topics = new ArrayList<>();
        for (String name : List.of(Topics.ROLLOUTS.name(), Topics.REWARDS.name(), Topics.SCORED.name())) {
            topics.add(new NewTopic(name, 4, (short) 1));
        }
        topics.add(new NewTopic(Topics.ROLLOUTS.deadLetterTopic(), 1, (short) 1));
        topics.add(new NewTopic(Topics.REWARDS.deadLetterTopic(), 1, (short) 1));
        broker.addTopics(topics.toArray(NewTopic[]::new));
    }

    private static List<String> publishGroups(String servers) throws Exception {
        SamplingSettings sampling = new SamplingSettings(4, 1.0, 1.0, 0, 64, List.of("</answer>"));
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < GROUPS; i++) {
                String id = String.format(Locale.ROOT, "node-%02d", i);
                PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "node-run", id, "p-" + i,
                        "arithmetic", "User: 12+30\nAssistant: ", "42", Purpose.TRAIN, sampling, 0);
                List<Completion> completions = new ArrayList<>();
                for (String text : List.of(RIGHT, WRONG, MIXED, NO_EQUATION)) {
                    completions.add(new Completion(text, new int[] {1, 2}, new double[] {-0.1, -0.2},
                            FinishReason.STOP));
                }
                RolloutGroup group = new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 1, "worker", completions);
                producer.send(new ProducerRecord<>(Topics.ROLLOUTS.name(), id, Messages.encode(group))).get();
                ids.add(id);
            }
        }
        return ids;
    }

    private static Map<String, ScoredGroup> readScored(String servers, int expected, Duration limit) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "node-grader-test");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, ScoredGroup> scored = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.SCORED.name()));
            long deadline = System.nanoTime() + limit.toNanos();
            while (scored.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    scored.put(record.key(), Topics.SCORED.decode(record.value()));
                }
            }
        }
        return scored;
    }
}
