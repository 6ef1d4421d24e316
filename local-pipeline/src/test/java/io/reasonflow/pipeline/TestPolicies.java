package io.reasonflow.pipeline;

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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Policy versions, prompts and plain clients for tests that play the trainer against rollout services. */
final class TestPolicies {
    static final ByteTokenizer TOKENIZER = new ByteTokenizer();

    private TestPolicies() {
    }

    /** Safetensors bytes of a tiny model initialised from {@code seed}. */
    static byte[] tinyWeights(long seed) {
        try (PolicyModel model = PolicyModel.initialize(tinyConfig(), seed)) {
            return model.toSafetensors();
        }
    }

    static ModelConfig tinyConfig() {
        return ModelConfig.tiny(TOKENIZER.vocabSize(), TOKENIZER.bosId(), TOKENIZER.eosId());
    }

    /**
     * Publishes a version as one chunk. {@code sent} are the chunk's bytes; its own digest matches them, so
     * only the whole-file check against {@code weights} can catch a difference.
     */
    static void publishChunked(KafkaProducer<String, byte[]> producer, String run, long version, byte[] weights,
            byte[] sent) throws Exception {
        PolicyChunk chunk = new PolicyChunk(Messages.SCHEMA_VERSION, run, version, 0, 1, sha256(sent), sent);
        producer.send(new ProducerRecord<>(Topics.POLICY_CHUNKS.name(), chunk.key(), Topics.POLICY_CHUNKS.encode(chunk))).get();
        publishManifest(producer, new PolicyManifest(Messages.SCHEMA_VERSION, run, version, version, null,
                "safetensors", weights.length, sha256(weights), 1, null, tinyConfig().toJson()));
    }

    static void publishManifest(KafkaProducer<String, byte[]> producer, PolicyManifest manifest) throws Exception {
        producer.send(new ProducerRecord<>(Topics.POLICY.name(), manifest.runId(), Messages.encode(manifest))).get();
    }

    static void sendPrompt(KafkaProducer<String, byte[]> producer, String run, String groupId, int maxNewTokens)
            throws Exception {
        SamplingSettings sampling = new SamplingSettings(2, 1.0, 1.0, 0, maxNewTokens, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, run, groupId, "p-" + groupId, "arithmetic",
                "User: 1+1\nAssistant: ", "2", Purpose.TRAIN, sampling, 0);
        producer.send(new ProducerRecord<>(Topics.PROMPTS.name(), groupId, Messages.encode(prompt))).get();
    }

    static KafkaProducer<String, byte[]> producer(String servers) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.ACKS_CONFIG,
                "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024), new StringSerializer(),
                new ByteArraySerializer());
    }

    /** A read-committed consumer of {@code topic} from its start, in a group of its own. */
    static KafkaConsumer<String, byte[]> reader(String servers, String topic, String group) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void awaitTrue(String what, java.util.function.BooleanSupplier condition, int seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(seconds).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + seconds + " s");
            }
            Thread.sleep(50);
        }
    }
}
