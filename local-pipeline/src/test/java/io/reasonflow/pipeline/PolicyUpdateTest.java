package io.reasonflow.pipeline;

import static io.reasonflow.pipeline.TestPolicies.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.rollout.PolicyFollower;
import io.reasonflow.rollout.RolloutApplication;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The rollout service following policy versions on a real broker. A version whose weights fail the
 * manifest's SHA-256 is fetched again, then refused, and the previous one keeps generating; a chunk
 * sent again while the service retries lets the version through. Weights on a shared store are fetched
 * from the manifest's URI and verified the same way. Each group is stamped with the version that made it.
 */
@Timeout(180)
class PolicyUpdateTest {
    private static final String RUN = "policy-update";

    @Test
    void corruptVersionRefusedGoodOnePickedUp(@TempDir Path store) throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start();
                KafkaProducer<String, byte[]> producer = TestPolicies.producer(broker.bootstrapServers())) {
            String servers = broker.bootstrapServers();
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(20));
            try (ConfigurableApplicationContext rollout = RolloutApplication.builder().registerShutdownHook(false)
                    .run("--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                            "--reasonflow.rollout.run-id=" + RUN, "--reasonflow.rollout.worker-id=update-test",
                            "--reasonflow.rollout.weight-fetch-backoff=300ms");
                    KafkaConsumer<String, byte[]> rollouts = TestPolicies.reader(servers, Topics.ROLLOUTS.name(),
                            "policy-update-test")) {
                PolicyFollower follower = rollout.getBean(PolicyFollower.class);
                byte[] v0 = TestPolicies.tinyWeights(1);
                TestPolicies.publishChunked(producer, RUN, 0, v0, v0);
                assertThat(generatedWith(producer, rollouts, "g-0")).isEqualTo(0);

                byte[] v1 = TestPolicies.tinyWeights(2);
                TestPolicies.publishChunked(producer, RUN, 1, v1, corrupt(v1));
                awaitTrue("version 1 refused", () -> follower.rejectedVersions() == 1, 30);
                assertThat(generatedWith(producer, rollouts, "g-1")).as("version after a refused update").isEqualTo(0);

                byte[] v2 = TestPolicies.tinyWeights(3);
                TestPolicies.publishChunked(producer, RUN, 2, v2, v2);
                awaitTrue("version 2 loaded", () -> follower.newestAvailable() == 2, 30);
                assertThat(generatedWith(producer, rollouts, "g-2")).isEqualTo(2);
                assertThat(follower.versionsLoaded()).isEqualTo(2);

                // A corrupt chunk, then the same chunk sent again while the worker waits to fetch it again.
                byte[] v3 = TestPolicies.tinyWeights(4);
                TestPolicies.publishChunked(producer, RUN, 3, v3, corrupt(v3));
                TestPolicies.publishChunked(producer, RUN, 3, v3, v3);
                awaitTrue("version 3 loaded on a later attempt", () -> follower.newestAvailable() == 3, 30);
                assertThat(follower.rejectedVersions()).isEqualTo(1);

                // Weights on a shared store: a file whose digest is wrong is refused, a good one is served.
                byte[] v4 = TestPolicies.tinyWeights(5);
                TestPolicies.publishManifest(producer, stored(store, 4, v4, corrupt(v4)));
                awaitTrue("stored version 4 refused", () -> follower.rejectedVersions() == 2, 30);
                byte[] v5 = TestPolicies.tinyWeights(6);
                TestPolicies.publishManifest(producer, stored(store, 5, v5, v5));
                awaitTrue("stored version 5 loaded", () -> follower.newestAvailable() == 5, 30);
                assertThat(generatedWith(producer, rollouts, "g-5")).isEqualTo(5);
                assertThat(follower.versionsLoaded()).isEqualTo(4);
            }
        }
    }

    private static byte[] corrupt(byte[] weights) {
        byte[] copy = weights.clone();
        copy[copy.length / 2] ^= 0x5A;
        return copy;
    }

    /** Writes {@code written} to the store and returns a manifest that points at it with {@code weights}' digest. */
    private static PolicyManifest stored(Path store, long version, byte[] weights, byte[] written) throws Exception {
        Path file = store.resolve("v" + version + ".safetensors");
        Files.write(file, written);
        return new PolicyManifest(Messages.SCHEMA_VERSION, RUN, version, version, version - 1, "safetensors",
                weights.length, TestPolicies.sha256(weights), 0, file.toUri().toString(),
                TestPolicies.tinyConfig().toJson());
    }

    /** Sends one prompt and returns the policy version of the group the rollout service publishes for it. */
    private static long generatedWith(KafkaProducer<String, byte[]> producer, KafkaConsumer<String, byte[]> rollouts,
            String groupId) throws Exception {
        TestPolicies.sendPrompt(producer, RUN, groupId, 8);
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
}
