package io.reasonflow.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.Topics;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A rollout service started again with the same worker id, so with the policy consumer groups (and committed
 * offsets) of the process before it, must load the version in use again instead of waiting for a newer one.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PolicyRestartTest {
    private static final String RUN = "policy-restart";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void restartedWorkerLoadsVersionInUse() throws Exception {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        try {
            broker.addTopics(new NewTopic(Topics.POLICY.name(), 1, (short) 1),
                    new NewTopic(Topics.POLICY_CHUNKS.name(), 1, (short) 1),
                    new NewTopic(Topics.PROMPTS.name(), 1, (short) 1));
            publishVersion(broker.getBrokersAsString(), 3);

            for (int start = 1; start <= 2; start++) {
                try (ConfigurableApplicationContext service = startWorker(broker.getBrokersAsString())) {
                    PolicyFollower follower = service.getBean(PolicyFollower.class);
                    PolicyFollower.LoadedPolicy loaded = follower.policyForNextBatch(3, WAIT);

                    assertThat(loaded.version()).as("version in use after start %d", start).isEqualTo(3);
                }
            }
        } finally {
            broker.destroy();
        }
    }

    private static ConfigurableApplicationContext startWorker(String servers) {
        return RolloutApplication.builder().registerShutdownHook(false).run(
                "--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                "--reasonflow.rollout.run-id=" + RUN, "--reasonflow.rollout.worker-id=restarted-worker");
    }

    private static void publishVersion(String servers, long version) throws Exception {
        ByteTokenizer tokenizer = new ByteTokenizer();
        ModelConfig config = ModelConfig.tiny(tokenizer.vocabSize(), tokenizer.bosId(), tokenizer.eosId());
        byte[] weights;
        try (PolicyModel model = PolicyModel.initialize(config, 5)) {
            weights = model.toSafetensors();
        }
        String digest = PolicyAssembler.sha256(weights);
        PolicyChunk chunk = new PolicyChunk(Messages.SCHEMA_VERSION, RUN, version, 0, 1, digest, weights);
        PolicyManifest manifest = new PolicyManifest(Messages.SCHEMA_VERSION, RUN, version, version, null,
                "safetensors", weights.length, digest, 1, null, config.toJson());
        Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                new ByteArraySerializer())) {
            for (ProducerRecord<String, byte[]> record : List.of(
                    new ProducerRecord<>(Topics.POLICY_CHUNKS.name(), chunk.key(), Topics.POLICY_CHUNKS.encode(chunk)),
                    new ProducerRecord<>(Topics.POLICY.name(), RUN, Topics.POLICY.encode(manifest)))) {
                producer.send(record).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
