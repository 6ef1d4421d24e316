package io.reasonflow.pipeline;

import static io.reasonflow.pipeline.TestPolicies.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.rollout.RolloutApplication;
import io.reasonflow.rollout.RolloutWorker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Prompt partitions moving between rollout instances on a real broker, mid-run: a second instance joins
 * while the first is generating, then the first shuts down gracefully with prompts queued and a batch in
 * flight. Every prompt's group is published exactly once, and both instances published groups.
 */
@Timeout(180)
class RolloutHandoverTest {
    private static final String RUN = "handover";
    private static final int FIRST_WAVE = 60;
    private static final int PROMPTS = 180;

    @Test
    void partitionsMoveWithoutLosingOrRepeatingAGroup() throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start();
                KafkaProducer<String, byte[]> producer = TestPolicies.producer(broker.bootstrapServers())) {
            String servers = broker.bootstrapServers();
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(20));
            byte[] weights = TestPolicies.tinyWeights(11);
            TestPolicies.publishChunked(producer, RUN, 0, weights, weights);

            ConfigurableApplicationContext first = start(servers, "first");
            RolloutWorker firstWorker = first.getBean(RolloutWorker.class);
            for (int i = 0; i < FIRST_WAVE; i++) {
                TestPolicies.sendPrompt(producer, RUN, "g-" + i, 32);
            }
            awaitTrue("first instance publishes", () -> firstWorker.groupsPublished() >= 6, 60);

            long firstBeforeJoin = firstWorker.groupsPublished();
            try (ConfigurableApplicationContext second = start(servers, "second");
                    KafkaConsumer<String, byte[]> rollouts = TestPolicies.reader(servers, Topics.ROLLOUTS.name(),
                            "handover-test")) {
                RolloutWorker secondWorker = second.getBean(RolloutWorker.class);
                // Sent once the second instance is up, so prompts are left for it whatever the machine's speed.
                for (int i = FIRST_WAVE; i < PROMPTS; i++) {
                    TestPolicies.sendPrompt(producer, RUN, "g-" + i, 32);
                }
                awaitTrue("second instance publishes", () -> secondWorker.groupsPublished() > 0, 90);
                assertThat(firstWorker.groupsPublished() + secondWorker.groupsPublished())
                        .as("prompts are still left when the first instance stops").isLessThan(PROMPTS);
                first.close();
                long firstTotal = firstWorker.groupsPublished();

                Map<String, Integer> published = new HashMap<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (published.size() < PROMPTS && System.nanoTime() < deadline) {
                    collect(rollouts, published, Duration.ofMillis(200));
                }
                // Late duplicates would arrive now.
                collect(rollouts, published, Duration.ofSeconds(3));

                assertThat(published).hasSize(PROMPTS);
                assertThat(published.values()).as("publications per group").containsOnly(1);
                assertThat(firstTotal).isGreaterThanOrEqualTo(firstBeforeJoin);
                assertThat(firstTotal + secondWorker.groupsPublished()).isEqualTo(PROMPTS);
                assertThat(secondWorker.groupsPublished()).isPositive();
                assertThat(firstWorker.partitionsReleased()).as("partitions the first instance handed over")
                        .isGreaterThanOrEqualTo(TopicSetup.WORK_PARTITIONS);
            } finally {
                first.close();
            }
        }
    }

    private static ConfigurableApplicationContext start(String servers, String worker) {
        return RolloutApplication.builder().registerShutdownHook(false).run("--spring.kafka.bootstrap-servers=" + servers,
                "--server.port=0", "--reasonflow.rollout.run-id=" + RUN, "--reasonflow.rollout.worker-id=" + worker,
                "--reasonflow.rollout.max-batch-sequences=4", "--reasonflow.rollout.queue-sequences=16");
    }

    private static void collect(KafkaConsumer<String, byte[]> rollouts, Map<String, Integer> published,
            Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, byte[]> record : rollouts.poll(Duration.ofMillis(100))) {
                RolloutGroup group = Topics.ROLLOUTS.decode(record.value());
                published.merge(group.groupId(), 1, Integer::sum);
            }
        }
    }
}
