package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every resource that infra/k8s renders to (the base and each overlay, through kustomize) matches the
 * schema of its kind, unknown fields rejected: Kubernetes' own kinds, Strimzi's KafkaTopic,
 * prometheus-operator's ServiceMonitor and KEDA's ScaledObject.
 */
class KubernetesManifestsTest {
    private static final Map<String, List<JsonNode>> RENDERED = new java.util.HashMap<>();

    @ParameterizedTest
    @ValueSource(strings = {"infra/k8s/base", "infra/k8s/overlays/gpu"})
    void renderedResourcesMatchTheirSchemas(String kustomization) throws Exception {
        List<JsonNode> resources = rendered(kustomization);

        List<String> problems = new ArrayList<>();
        for (JsonNode resource : resources) {
            if (!ManifestSchemas.type(resource).equals(ManifestSchemas.SCALED_OBJECT)) {
                problems.addAll(ManifestSchemas.check(resource));
            }
        }

        assertThat(resources).as("resources rendered from %s", kustomization).hasSizeGreaterThan(20);
        assertThat(problems).as("schema problems in %s", kustomization).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"infra/k8s/base", "infra/k8s/overlays/gpu"})
    void scaledObjectsMatchKedaTypes(String kustomization) throws Exception {
        KedaTypes.requireTools();
        List<JsonNode> scaledObjects = rendered(kustomization).stream()
                .filter(r -> ManifestSchemas.type(r).equals(ManifestSchemas.SCALED_OBJECT)).toList();

        List<String> problems = KedaTypes.check(scaledObjects, kustomization.replace('/', '-'));

        assertThat(scaledObjects).hasSize(2);
        assertThat(problems).as("KEDA type problems in %s", kustomization).isEmpty();
    }

    @Test
    void misspeltDeploymentFieldIsRejected() throws Exception {
        ObjectNode deployment = (ObjectNode) find(base(), "apps/v1/Deployment", "reasonflow-rollout").deepCopy();
        ObjectNode spec = (ObjectNode) deployment.get("spec");
        spec.set("replica", spec.remove("replicas"));

        List<String> problems = ManifestSchemas.check(deployment);

        assertThat(problems).as("one problem from each model").hasSize(2)
                .allSatisfy(problem -> assertThat(problem).contains("reasonflow-rollout").contains("replica"));
        assertThat(problems).anySatisfy(problem -> assertThat(problem).contains("`replica`").contains("V1DeploymentSpec"));
    }

    @Test
    void misspeltContainerFieldIsRejected() throws Exception {
        ObjectNode job = (ObjectNode) find(base(), "batch/v1/Job", "reasonflow-trainer").deepCopy();
        ObjectNode container = (ObjectNode) job.at("/spec/template/spec/containers/0");
        container.set("imagePullPolicyy", container.remove("imagePullPolicy"));

        List<String> problems = ManifestSchemas.check(job);

        assertThat(problems).as("one problem from each model").hasSize(2)
                .allSatisfy(problem -> assertThat(problem).contains("imagePullPolicyy"));
        assertThat(problems).anySatisfy(problem -> assertThat(problem).contains("V1Container"));
    }

    @Test
    void missingRequiredFieldIsRejected() throws Exception {
        ObjectNode service = (ObjectNode) find(base(), "v1/Service", "reasonflow-reward").deepCopy();
        ((ObjectNode) service.at("/spec/ports/0")).remove("port");

        assertThat(ManifestSchemas.check(service)).singleElement().asString().contains("port");
    }

    @Test
    void servicePortAsTextIsRejected() throws Exception {
        ObjectNode service = (ObjectNode) find(base(), "v1/Service", "reasonflow-trainer").deepCopy();
        ((ObjectNode) service.at("/spec/ports/0")).put("port", "http");

        assertThat(ManifestSchemas.check(service)).singleElement().asString()
                .contains("\"http\"").contains("ServicePort[\"port\"]");
    }

    @Test
    void misspeltKafkaTopicFieldIsRejected() throws Exception {
        ObjectNode topic = (ObjectNode) find(base(), "kafka.strimzi.io/v1beta2/KafkaTopic", "reasonflow-policy").deepCopy();
        ObjectNode spec = (ObjectNode) topic.get("spec");
        spec.set("partition", spec.remove("partitions"));

        assertThat(ManifestSchemas.check(topic)).singleElement().asString()
                .contains("reasonflow-policy").contains("\"partition\"");
    }

    @Test
    void kafkaTopicPartitionsAsTextAreRejected() throws Exception {
        ObjectNode topic = (ObjectNode) find(base(), "kafka.strimzi.io/v1beta2/KafkaTopic", "reasonflow-scored").deepCopy();
        ((ObjectNode) topic.get("spec")).put("partitions", "four");

        assertThat(ManifestSchemas.check(topic)).singleElement().asString().contains("partitions");
    }

    @Test
    void misspeltServiceMonitorFieldIsRejected() throws Exception {
        ObjectNode monitor = (ObjectNode) find(base(), "monitoring.coreos.com/v1/ServiceMonitor", "reasonflow").deepCopy();
        ObjectNode endpoint = (ObjectNode) monitor.at("/spec/endpoints/0");
        endpoint.set("pathh", endpoint.remove("path"));

        assertThat(ManifestSchemas.check(monitor)).singleElement().asString().contains("\"pathh\"");
    }

    @Test
    void misspeltScaledObjectFieldIsRejected() throws Exception {
        KedaTypes.requireTools();
        ObjectNode scaledObject = (ObjectNode) find(base(), ManifestSchemas.SCALED_OBJECT, "reasonflow-reward").deepCopy();
        ObjectNode spec = (ObjectNode) scaledObject.get("spec");
        spec.set("maxReplicas", spec.remove("maxReplicaCount"));

        assertThat(KedaTypes.check(List.of(scaledObject), "misspelt")).isNotEmpty().anySatisfy(
                line -> assertThat(line).contains("maxReplicas"));
    }

    @Test
    void lagThresholdAsNumberIsRejected() throws Exception {
        KedaTypes.requireTools();
        ObjectNode scaledObject = (ObjectNode) find(base(), ManifestSchemas.SCALED_OBJECT, "reasonflow-rollout").deepCopy();
        ((ObjectNode) scaledObject.at("/spec/triggers/0/metadata")).put("lagThreshold", 16);

        assertThat(KedaTypes.check(List.of(scaledObject), "number")).isNotEmpty().anySatisfy(
                line -> assertThat(line).contains("not assignable to type 'string'"));
    }

    @Test
    void kindWithoutSchemaIsRejected() throws Exception {
        ObjectNode unknown = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        unknown.put("apiVersion", "example.com/v1").put("kind", "Widget").putObject("metadata").put("name", "w");

        assertThat(ManifestSchemas.check(unknown)).singleElement().asString().contains("no schema known for example.com/v1/Widget");
    }

    @Test
    void workersScaleOnTheirConsumerGroupsLag() throws Exception {
        List<JsonNode> base = base();
        Map<String, List<String>> expected = Map.of(
                "reasonflow-rollout", List.of("reasonflow-rollout", "reasonflow.prompts"),
                "reasonflow-reward", List.of("reasonflow-reward", "reasonflow.rollouts"));

        for (Map.Entry<String, List<String>> entry : expected.entrySet()) {
            JsonNode scaledObject = find(base, ManifestSchemas.SCALED_OBJECT, entry.getKey());
            assertThat(scaledObject.at("/spec/scaleTargetRef/name").asText()).isEqualTo(entry.getKey());
            assertThat(find(base, "apps/v1/Deployment", entry.getKey())).isNotNull();
            JsonNode trigger = scaledObject.at("/spec/triggers/0");
            assertThat(trigger.get("type").asText()).isEqualTo("kafka");
            assertThat(trigger.at("/metadata/consumerGroup").asText()).isEqualTo(entry.getValue().get(0));
            assertThat(trigger.at("/metadata/topic").asText()).isEqualTo(entry.getValue().get(1));
            assertThat(scaledObject.at("/spec/maxReplicaCount").asInt()).as("at most one worker per partition").isEqualTo(4);
        }
    }

    @Test
    void everyServiceIsScrapedAndProtectedFromDrains() throws Exception {
        List<JsonNode> base = base();
        Map<String, Integer> ports = Map.of("reasonflow-rollout", 8081, "reasonflow-reward", 8082, "reasonflow-trainer", 8083,
                "reasonflow-distill", 8084);
        JsonNode monitor = find(base, "monitoring.coreos.com/v1/ServiceMonitor", "reasonflow");
        JsonNode selector = monitor.at("/spec/selector/matchLabels");

        for (Map.Entry<String, Integer> entry : ports.entrySet()) {
            JsonNode service = find(base, "v1/Service", entry.getKey());
            assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(entry.getValue());
            selector.fields().forEachRemaining(label -> assertThat(service.at("/metadata/labels").get(label.getKey()))
                    .as("label %s of Service %s", label.getKey(), entry.getKey()).isEqualTo(label.getValue()));
            assertThat(find(base, "policy/v1/PodDisruptionBudget", entry.getKey())).isNotNull();
        }
        assertThat(find(base, "batch/v1/Job", "reasonflow-distill").at("/spec/suspend").asBoolean())
                .as("distillation waits until it is started after the trainer's run").isTrue();
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/actuator/prometheus");
        assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("http");
        JsonNode environment = find(base, "v1/ConfigMap", "reasonflow-env").get("data");
        assertThat(environment.get("SERVER_ADDRESS").asText()).isEqualTo("0.0.0.0");
    }

    @Test
    void gpuOverlayRequestsAGpuForRolloutAndTrainer() throws Exception {
        List<JsonNode> gpu = rendered("infra/k8s/overlays/gpu");

        for (JsonNode workload : List.of(find(gpu, "apps/v1/Deployment", "reasonflow-rollout"),
                find(gpu, "batch/v1/Job", "reasonflow-trainer"))) {
            assertThat(workload.at("/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu").asInt())
                    .as("GPUs of %s", ManifestSchemas.describe(workload)).isEqualTo(1);
        }
        assertThat(find(gpu, "apps/v1/Deployment", "reasonflow-reward")
                .at("/spec/template/spec/containers/0/resources/limits").has("nvidia.com/gpu")).isFalse();
    }

    private static List<JsonNode> base() throws Exception {
        return rendered("infra/k8s/base");
    }

    /** Renders a kustomization once per test run; tests change only deep copies of the resources. */
    private static synchronized List<JsonNode> rendered(String kustomization) throws Exception {
        List<JsonNode> resources = RENDERED.get(kustomization);
        if (resources == null) {
            resources = Kustomize.render(Repository.resolve(kustomization));
            RENDERED.put(kustomization, resources);
        }
        return resources;
    }

    private static JsonNode find(List<JsonNode> resources, String type, String name) {
        Predicate<JsonNode> matches = r -> ManifestSchemas.type(r).equals(type)
                && r.at("/metadata/name").asText().equals(name);
        return resources.stream().filter(matches).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " named " + name + " in the rendered resources"));
    }
}
