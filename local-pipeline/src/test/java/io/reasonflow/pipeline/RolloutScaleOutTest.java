package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Topics;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two rollout instances on one broker share the prompts: every group is published once, and both work. */
@Timeout(180)
class RolloutScaleOutTest {

    @Test
    void twoInstancesShareThePrompts(@TempDir Path output) throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            TopicSetup.ensureTopics(broker.bootstrapServers(), Duration.ofSeconds(20));
            LocalPipeline.Result result = LocalPipeline.run(broker.bootstrapServers(),
                    SmokeRunAssertions.smokeSettings("scale-out", output), Map.of(), 2, line -> { });

            @SuppressWarnings("unchecked")
            List<Map<String, Object>> instances = (List<Map<String, Object>>) result.summary().get("rollout_instances");
            assertThat(instances).hasSize(2);
            assertThat(instances).allSatisfy(instance -> assertThat(((Number) instance.get("groups")).longValue())
                    .as("groups of %s", instance.get("id")).isPositive());
            Map<String, Integer> published = countByKey(broker.bootstrapServers(), Topics.ROLLOUTS.name());
            assertThat(published.values()).as("copies of each group on %s", Topics.ROLLOUTS.name())
                    .allMatch(count -> count == 1);
            long total = instances.stream().mapToLong(instance -> ((Number) instance.get("groups")).longValue()).sum();
            assertThat(published).hasSize((int) total);
            assertThat(output.resolve("summary.json")).content().contains("\"rollout_instances\"");
        }
    }

    private static Map<String, Integer> countByKey(String servers, String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    counts.merge(record.key(), 1, Integer::sum);
                }
            }
        }
        return counts;
    }
}
