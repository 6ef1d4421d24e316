package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.FileAppender;
import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.pipeline.broker.KafkaClientSettings;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.pipeline.cli.ReasonflowCli;
import io.reasonflow.reward.RewardApplication;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The local pipeline against a broker whose client listener accepts only SASL with SCRAM-SHA-256, configured
 * through a {@code --kafka-config} properties file: the topic set-up creates the topics over that listener, and
 * the reward service, started the way the pipeline starts every service, reads, scores and writes a group
 * there. The password contains {@code ${user.name}}, which Spring would replace if the value were not escaped.
 * Neither the console nor the pipeline's log file shows the password.
 *
 * <p>The broker has a second, plain listener on which the test creates the SCRAM user and sends and reads
 * records: a SCRAM user cannot be created over SASL before any user exists.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class KafkaSecurityTest {
    private static final String USER = "reasonflow-pipeline";
    private static final String SASL_LISTENER = "SECURE";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = "pw-${user.name}-" + UUID.randomUUID();

    private static EmbeddedKafkaKraftBroker broker;

    @TempDir
    Path directory;

    @BeforeAll
    static void startBroker() throws Exception {
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
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), PASSWORD))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        awaitCredentials();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void topicSetupAndServiceRunOverSasl(CapturedOutput output) throws Exception {
        KafkaClientSettings client = KafkaClientSettings.read(configFile("client.properties", PASSWORD));

        TopicSetup.ensureTopics(saslBootstrapServers(), client, WAIT);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                    .as("topics created over the SASL listener").containsAll(Topics.allNames());
        }
        Map<String, String> settings = Map.of("reasonflow.reward.streams.state-dir",
                Files.createTempDirectory(directory, "reward-state-").toString());
        try (ConfigurableApplicationContext reward = LocalPipeline.start(
                RewardApplication.builder().registerShutdownHook(false), saslBootstrapServers(), client, settings)) {
            String groupId = "sasl-" + UUID.randomUUID();
            send(groupId, Messages.encode(rollout(groupId)));

            List<ConsumerRecord<String, byte[]>> scored = read(Topics.SCORED.name(), groupId);

            assertThat(scored).as("group scored by the service over the SASL listener").hasSize(1);
            ScoredGroup group = Topics.SCORED.decode(scored.get(0).value());
            assertThat(group.scores().get(0).graderScores()).containsEntry("accuracy", 1.0);
        }

        assertThat(output.getAll()).doesNotContain(PASSWORD);
        assertThat(Files.readString(logFile(), StandardCharsets.UTF_8)).doesNotContain(PASSWORD);
    }

    @Test
    void wrongPasswordStopsTheDemoWithoutEchoingIt(CapturedOutput output) throws IOException {
        String wrong = "wrong-" + UUID.randomUUID();
        Path config = configFile("wrong.properties", wrong);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int status = ReasonflowCli.execute(new PrintWriter(out), new PrintWriter(err), "demo", "--smoke",
                "--bootstrap-servers", saslBootstrapServers(), "--kafka-config", config.toString(),
                "--out", directory.resolve("run").toString());

        assertThat(status).isEqualTo(1);
        assertThat(out.toString()).contains("Kafka client properties from " + config
                + ": sasl.jaas.config, sasl.mechanism, security.protocol");
        assertThat(err.toString()).contains("rejected the client's authentication")
                .contains("check the SASL or TLS settings of --kafka-config");
        assertThat(out.toString() + err).doesNotContain(wrong);
        assertThat(output.getAll()).doesNotContain(wrong);
    }

    private Path configFile(String name, String password) throws IOException {
        Properties properties = new Properties();
        properties.setProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        properties.setProperty(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256");
        properties.setProperty(SaslConfigs.SASL_JAAS_CONFIG, jaasConfig(password));
        Path file = directory.resolve(name);
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(writer, "SASL client of the test");
        }
        return file;
    }

    private static String jaasConfig(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
                + "\" password=\"" + password + "\";";
    }

    private static String saslBootstrapServers() {
        int port = broker.getCluster().brokers().values().iterator().next()
                .boundPort(ListenerName.normalised(SASL_LISTENER));
        return "localhost:" + port;
    }

    /** Waits until the new credentials reach the broker's metadata cache, which happens asynchronously. */
    private static void awaitCredentials() throws InterruptedException {
        Map<String, Object> sasl = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, saslBootstrapServers(),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256",
                SaslConfigs.SASL_JAAS_CONFIG, jaasConfig(PASSWORD));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try (Admin admin = Admin.create(sasl)) {
                admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                boolean rejected = e.getCause() instanceof SaslAuthenticationException;
                if (!rejected || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the SCRAM user cannot log in", e);
                }
                Thread.sleep(200);
            }
        }
    }

    /** Returns the file of the logback appender that writes the pipeline's log. */
    private static Path logFile() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        return Path.of(((FileAppender<?>) root.getAppender("FILE")).getFile());
    }

    private static RolloutGroup rollout(String groupId) {
        SamplingSettings sampling = new SamplingSettings(1, 1.0, 1.0, 0, 16, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "sasl-run", groupId, "p", "arithmetic",
                "User: 2+2\nAssistant: ", "4", Purpose.TRAIN, sampling, 0);
        Completion completion = new Completion("<think>\n2+2=4\n</think>\n<answer>4</answer>", new int[] {1},
                new double[] {-0.1}, FinishReason.STOP);
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 0, "test", List.of(completion));
    }

    private static void send(String key, byte[] value) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(Topics.ROLLOUTS.name(), key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic, String key) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-test-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            while (records.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key().equals(key)) {
                        records.add(record);
                    }
                }
            }
        }
        return records;
    }
}
