package io.reasonflow.reward;

import static io.reasonflow.reward.ServiceTestClients.group;
import static io.reasonflow.reward.ServiceTestClients.read;
import static io.reasonflow.reward.ServiceTestClients.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.network.ListenerName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The reward service against a broker whose client listener requires SASL with SCRAM-SHA-256, configured only
 * through Spring Kafka's standard properties. The service reads, scores and writes over that listener. Its log,
 * captured at INFO level, never contains the password. Its actuator serves health and metrics only, and its
 * HTTP graders receive requests at their configured URL only, without following redirects.
 *
 * <p>The broker has a second, plain listener that the test uses to create the SCRAM user and the topics: a
 * SCRAM user cannot be created over SASL before any user exists, and the embedded broker cannot add SCRAM
 * credentials when it formats its storage. The service is given the SASL listener only.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RewardSecurityTest {
    private static final String USER = "reasonflow-reward";
    private static final String SASL_LISTENER = "SECURE";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final String password = "pw-" + UUID.randomUUID();
    private final List<String> graderRequests = new CopyOnWriteArrayList<>();
    private EmbeddedKafkaKraftBroker broker;
    private HttpServer graders;

    @BeforeEach
    void start() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        Map<String, String> properties = new HashMap<>();
        properties.put("transaction.state.log.replication.factor", "1");
        properties.put("transaction.state.log.min.isr", "1");
        properties.put("group.initial.rebalance.delay.ms", "0");
        properties.put("listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0," + SASL_LISTENER
                + "://localhost:0");
        properties.put("listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT," + SASL_LISTENER
                + ":SASL_PLAINTEXT");
        properties.put("listener.name.secure.sasl.enabled.mechanisms", "SCRAM-SHA-256");
        properties.put("listener.name.secure.scram-sha-256.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        broker.brokerProperties(properties);
        broker.afterPropertiesSet();
        broker.addTopics(new NewTopic(Topics.ROLLOUTS.name(), 1, (short) 1),
                new NewTopic(Topics.REWARDS.name(), 1, (short) 1), new NewTopic(Topics.SCORED.name(), 1, (short) 1),
                new NewTopic(Topics.ROLLOUTS.deadLetterTopic(), 1, (short) 1),
                new NewTopic(Topics.REWARDS.deadLetterTopic(), 1, (short) 1));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), password))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        graders = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        graders.createContext("/", this::answer);
        graders.start();
    }

    @AfterEach
    void stop() {
        if (graders != null) {
            graders.stop(0);
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void serviceRunsOverSaslWithoutLeakingTheSecret(CapturedOutput output) throws Exception {
        Map<String, Object> client = saslClient(password);
        awaitCredentials(client);
        assertThatThrownBy(() -> describeCluster(saslClient("wrong-" + password)))
                .as("the SASL listener rejects a wrong password")
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);
        String graderUrl = "http://127.0.0.1:" + graders.getAddress().getPort();

        try (ConfigurableApplicationContext service = RewardApplication.builder().registerShutdownHook(false).run(
                "--spring.kafka.bootstrap-servers=" + saslBootstrapServers(),
                "--spring.kafka.security.protocol=SASL_PLAINTEXT",
                "--spring.kafka.properties.sasl.mechanism=SCRAM-SHA-256",
                "--spring.kafka.properties.sasl.jaas.config=" + jaasConfig(password),
                "--logging.level.root=INFO",
                "--server.port=0",
                "--reasonflow.reward.http-graders.judge.url=" + graderUrl + "/grade?mode=strict",
                "--reasonflow.reward.http-graders.judge.max-attempts=1",
                "--reasonflow.reward.http-graders.mover.url=" + graderUrl + "/moved",
                "--reasonflow.reward.http-graders.mover.max-attempts=1",
                "--reasonflow.reward.optional-graders=mover",
                "--reasonflow.reward.weights.judge=0.5",
                "--reasonflow.reward.weights.mover=0.5",
                "--reasonflow.reward.streams.state-dir=" + Files.createTempDirectory("reward-sasl"))) {
            send(client, Topics.ROLLOUTS.name(), "sasl-1", Messages.encode(group("sasl-1", "<answer>42</answer>")));

            List<ConsumerRecord<String, byte[]>> scored = read(client, Topics.SCORED.name(), List.of("sasl-1"), 1,
                    WAIT);
            assertThat(scored).as("group scored over the SASL listener").hasSize(1);
            ScoredGroup group = Topics.SCORED.decode(scored.get(0).value());
            assertThat(group.scores().get(0).graderScores()).containsEntry("judge", 1.0).containsEntry("mover", null);

            assertThat(graderRequests).as("requests received by the grader server")
                    .containsExactlyInAnyOrder("POST /grade?mode=strict", "POST /moved");
            for (String path : List.of("/actuator/env", "/actuator/beans", "/actuator/configprops", "/actuator/info",
                    "/actuator/loggers", "/actuator/heapdump", "/actuator/threaddump", "/actuator/metrics")) {
                assertThat(ServiceTestClients.get(service, path).statusCode()).as(path).isEqualTo(404);
            }
            assertThat(ServiceTestClients.get(service, "/actuator/health").statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = ServiceTestClients.get(service, "/actuator/prometheus");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).as("the redirect counts as a failed call")
                    .contains("reasonflow_reward_http_grader_failures_total{grader=\"mover\"} 1.0")
                    .contains("reasonflow_reward_http_grader_failures_total{grader=\"judge\"} 0.0")
                    .contains("reasonflow_reward_http_grader_oversize_responses_total{grader=\"judge\"} 0.0");
        }

        // The clients logged their settings at INFO, with the JAAS configuration masked.
        assertThat(output.getAll()).contains("sasl.jaas.config = [hidden]");
        assertThat(output.getAll()).doesNotContain(password);
    }

    /** Responds to /grade with a score, and to any other path with a redirect to /grade. */
    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            graderRequests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            if (exchange.getRequestURI().getPath().equals("/grade")) {
                byte[] body = "{\"scores\":[1.0]}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            } else {
                exchange.getResponseHeaders().set("Location", "/grade?mode=strict");
                exchange.sendResponseHeaders(307, -1);
            }
        }
    }

    private String saslBootstrapServers() {
        int port = broker.getCluster().brokers().values().iterator().next()
                .boundPort(ListenerName.normalised(SASL_LISTENER));
        return "localhost:" + port;
    }

    private Map<String, Object> saslClient(String secret) {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, saslBootstrapServers(),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256",
                SaslConfigs.SASL_JAAS_CONFIG, jaasConfig(secret));
    }

    private static String jaasConfig(String secret) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
                + "\" password=\"" + secret + "\";";
    }

    /** Waits until the new credentials reach the broker's metadata cache, which happens asynchronously. */
    private static void awaitCredentials(Map<String, Object> client) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                describeCluster(client);
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the SCRAM user cannot log in", e);
                }
                Thread.sleep(200);
            }
        }
    }

    private static void describeCluster(Map<String, Object> client)
            throws ExecutionException, InterruptedException, java.util.concurrent.TimeoutException {
        Map<String, Object> config = new HashMap<>(client);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
        }
    }
}
