package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.reasonflow.contracts.Topics;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The topics that docker-compose.yml creates (infra/kafka/create-topics.sh) and the KafkaTopic resources
 * of infra/k8s are the topics of the contracts' registry, with the same partitions and settings.
 */
class TopicDefinitionsTest {
    /** Topics that rollout and reward workers share as consumer groups: one partition per worker. */
    private static final List<String> WORK_TOPICS = List.of(Topics.PROMPTS.name(), Topics.ROLLOUTS.name(),
            Topics.REWARDS.name(), Topics.SCORED.name());
    private static final Pattern SCRIPT_ENTRY = Pattern.compile("^\\s*\"(\\S+) (\\d+)((?: [^\\s\"]+)*)\"\\s*$");

    /** A topic's partitions and settings. */
    private record Definition(int partitions, Map<String, String> config) {
    }

    @Test
    void composeTopicsMatchTheRegistry() throws Exception {
        Map<String, Definition> compose = composeTopics();

        assertThat(compose.keySet()).containsExactlyInAnyOrderElementsOf(Topics.allNames());
        assertPipelineSettings(compose);
    }

    @Test
    void kafkaTopicResourcesMatchTheRegistry() throws Exception {
        Map<String, Definition> kubernetes = kubernetesTopics();

        assertThat(kubernetes.keySet()).containsExactlyInAnyOrderElementsOf(Topics.allNames());
        assertPipelineSettings(kubernetes);
    }

    @Test
    void composeAndKubernetesAgree() throws Exception {
        Map<String, Definition> kubernetes = kubernetesTopics();
        Map<String, Definition> compose = composeTopics();

        for (Map.Entry<String, Definition> topic : compose.entrySet()) {
            Definition other = kubernetes.get(topic.getKey());
            assertThat(other.partitions()).as("partitions of %s", topic.getKey()).isEqualTo(topic.getValue().partitions());
            // Kubernetes adds min.insync.replicas for its three replicas; every other setting is the same.
            Map<String, String> config = new TreeMap<>(other.config());
            config.remove("min.insync.replicas");
            assertThat(config).as("settings of %s", topic.getKey()).isEqualTo(new TreeMap<>(topic.getValue().config()));
        }
    }

    private static void assertPipelineSettings(Map<String, Definition> topics) {
        for (Map.Entry<String, Definition> topic : topics.entrySet()) {
            int expected = WORK_TOPICS.contains(topic.getKey()) ? 4 : 1;
            assertThat(topic.getValue().partitions()).as("partitions of %s", topic.getKey()).isEqualTo(expected);
        }
        assertThat(topics.get(Topics.POLICY.name()).config()).containsEntry("cleanup.policy", "compact");
        assertThat(Integer.parseInt(topics.get(Topics.POLICY_CHUNKS.name()).config().get("max.message.bytes")))
                .as("chunks are up to 512 KiB of weights, base64-encoded").isGreaterThanOrEqualTo(1024 * 1024);
    }

    private static Map<String, Definition> composeTopics() throws Exception {
        Map<String, Definition> topics = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Repository.resolve("infra/kafka/create-topics.sh"))) {
            Matcher entry = SCRIPT_ENTRY.matcher(line);
            if (entry.matches()) {
                Map<String, String> config = new LinkedHashMap<>();
                for (String setting : entry.group(3).trim().split(" ")) {
                    if (!setting.isEmpty()) {
                        String[] pair = setting.split("=", 2);
                        config.put(pair[0], pair[1]);
                    }
                }
                topics.put(entry.group(1), new Definition(Integer.parseInt(entry.group(2)), config));
            }
        }
        return topics;
    }

    private static Map<String, Definition> kubernetesTopics() throws Exception {
        Map<String, Definition> topics = new LinkedHashMap<>();
        try (MappingIterator<JsonNode> documents = new YAMLMapper().readerFor(JsonNode.class)
                .readValues(Repository.resolve("infra/k8s/base/kafka-topics.yaml").toFile())) {
            while (documents.hasNext()) {
                JsonNode spec = documents.next().path("spec");
                if (spec.isMissingNode()) {
                    continue;
                }
                Map<String, String> config = new LinkedHashMap<>();
                spec.path("config").fields().forEachRemaining(setting -> config.put(setting.getKey(), setting.getValue().asText()));
                topics.put(spec.get("topicName").asText(), new Definition(spec.get("partitions").asInt(), config));
            }
        }
        return topics;
    }
}
