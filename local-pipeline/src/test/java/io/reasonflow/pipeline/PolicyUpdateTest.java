package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.Topics;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.rollout.PolicyFollower;
import io.reasonflow.rollout.RolloutApplication;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The rollout service following policy versions on a real broker. A version whose weights fail the
 * manifest's SHA-256 is rejected and the previous one keeps generating. A later good version is
 * picked up, and each group is stamped with the version that made it.
 */
@Timeout(120)
class PolicyUpdateTest {
    private static final String RUN = "policy-update";
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();

    @Test
    void corruptVersionRefusedGoodOnePickedUp() throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start();
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024),
                        new StringSerializer(), new ByteArraySerializer())) {
            String servers = broker.bootstrapServers();
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(20));
            try (ConfigurableApplicationContext rollout = RolloutApplication.builder().registerShutdownHook(false)
                    .run("--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                            "--reasonflow.rollout.run-id=" + RUN, "--reasonflow.rollout.worker-id=update-test");
                    KafkaConsumer<String, byte[]> rollouts = rolloutReader(servers)) {
                PolicyFollower follower = rollout.getBean(PolicyFollower.class);
                publish(producer, 0, 1L, false);
                assertThat(generatedWith(producer, rollouts, "g-0")).isEqualTo(0);

                publish(producer, 1, 2L, true);
                awaitTrue(() -> follower.rejectedVersions() == 1);
                assertThat(generatedWith(producer, rollouts, "g-1")).as("version after a refused update").isEqualTo(0);

                publish(producer, 2, 3L, false);
                awaitTrue(() -> follower.newestAvailable() == 2);
                assertThat(generatedWith(producer, rollouts, "g-2")).isEqualTo(2);
                assertThat(follower.versionsLoaded()).isEqualTo(2);
            }
        }
    }

    /** Publishes a policy version; a corrupt one has a chunk whose bytes differ from the manifest's digest. */
    private static void publish(KafkaProducer<String, byte[]> producer, long version, long seed, boolean corrupt)
            throws Exception {
        ModelConfig config = ModelConfig.tiny(TOKENIZER.vocabSize(), TOKENIZER.bosId(), TOKENIZER.eosId());
        byte[] weights;
        try (PolicyModel model = PolicyModel.initialize(config, seed)) {
            weights = model.toSafetensors();
        }
        byte[] sent = weights.clone();
        if (corrupt) {
            sent[sent.length / 2] ^= 0x5A;
        }
        // One chunk; its own digest matches what is sent, so only the whole-weights check can catch it.
        PolicyChunk chunk = new PolicyChunk(Messages.SCHEMA_VERSION, RUN, version, 0, 1, sha256(sent), sent);
        PolicyManifest manifest = new PolicyManifest(Messages.SCHEMA_VERSION, RUN, version, version, null,
                "safetensors", weights.length, sha256(weights), 1, null, config.toJson());
        producer.send(new ProducerRecord<>(Topics.POLICY_CHUNKS.name(), chunk.key(), Messages.encode(chunk))).get();
        producer.send(new ProducerRecord<>(Topics.POLICY.name(), RUN, Messages.encode(manifest))).get();
    }

    /** Sends one prompt and returns the policy version of the group the rollout service publishes for it. */
    private static long generatedWith(KafkaProducer<String, byte[]> producer, KafkaConsumer<String, byte[]> rollouts,
            String groupId) throws Exception {
        SamplingSettings sampling = new SamplingSettings(2, 1.0, 1.0, 0, 8, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, RUN, groupId, "p-" + groupId, "arithmetic",
                "User: 1+1\nAssistant: ", "2", Purpose.TRAIN, sampling, 0);
        producer.send(new ProducerRecord<>(Topics.PROMPTS.name(), groupId, Messages.encode(prompt))).get();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> record : rollouts.poll(Duration.ofMillis(200))) {
                RolloutGroup group = Topics.ROLLOUTS.decode(record.value());
                if (group.groupId().equals(groupId)) {
                    return group.policyVersion();
                }
            }
        }
        throw new AssertionError("no rollout group " + groupId + " within 60 s");
    }

    private static KafkaConsumer<String, byte[]> rolloutReader(String servers) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "policy-update-test");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(Topics.ROLLOUTS.name()));
        return consumer;
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.sleep(50);
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
