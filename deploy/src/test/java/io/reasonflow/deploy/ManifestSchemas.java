package io.reasonflow.deploy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.google.gson.JsonParser;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

/**
 * Checks a Kubernetes resource against the schema of its kind, rejecting unknown fields:
 * <ul>
 *   <li>built-in kinds against the models of the Kubernetes Java client ({@code io.kubernetes:client-java-api}),
 *       generated from the Kubernetes OpenAPI specification; their {@code validateJsonElement} rejects
 *       unknown fields and missing required ones. They do not check scalar types, so the resource is also
 *       bound to fabric8's models by the strict mapper below;</li>
 *   <li>Strimzi's KafkaTopic against Strimzi's own model classes, from which its CRD schema is generated,
 *       and prometheus-operator's ServiceMonitor against fabric8's model generated from its CRD, both
 *       bound by a Jackson mapper that fails on unknown fields and on scalars of the wrong type.</li>
 * </ul>
 * KEDA's ScaledObject has no Java model; {@link KedaTypes} checks it.
 */
final class ManifestSchemas {
    private static final String CLIENT_MODELS = "io.kubernetes.client.openapi.models.";

    /**
     * Built-in kinds by {@code apiVersion/kind}: the Kubernetes client's model class, which checks field
     * names and required fields, and fabric8's, which the strict mapper binds to check value types.
     */
    private static final Map<String, BuiltIn> BUILT_IN = Map.of(
            "v1/Namespace", new BuiltIn("V1Namespace", io.fabric8.kubernetes.api.model.Namespace.class),
            "v1/ConfigMap", new BuiltIn("V1ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
            "v1/Service", new BuiltIn("V1Service", io.fabric8.kubernetes.api.model.Service.class),
            "v1/PersistentVolumeClaim",
            new BuiltIn("V1PersistentVolumeClaim", io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class),
            "apps/v1/Deployment", new BuiltIn("V1Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
            "batch/v1/Job", new BuiltIn("V1Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class),
            "policy/v1/PodDisruptionBudget",
            new BuiltIn("V1PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class));

    private record BuiltIn(String clientModel, Class<?> fabric8Model) {
    }

    /** Custom resources by {@code apiVersion/kind}, and the model class each binds to. */
    private static final Map<String, Class<?>> CUSTOM = Map.of(
            "kafka.strimzi.io/v1beta2/KafkaTopic", io.strimzi.api.kafka.model.topic.KafkaTopic.class,
            "monitoring.coreos.com/v1/ServiceMonitor", io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor.class);

    /** Kinds that another checker handles. */
    static final String SCALED_OBJECT = "keda.sh/v1alpha1/ScaledObject";

    private static final ObjectMapper STRICT = strictMapper();

    private ManifestSchemas() {
    }

    /** Returns {@code apiVersion/kind} of a resource. */
    static String type(JsonNode resource) {
        return resource.path("apiVersion").asText() + "/" + resource.path("kind").asText();
    }

    /** Returns a resource's kind and name, as messages name it. */
    static String describe(JsonNode resource) {
        return type(resource) + " " + resource.path("metadata").path("name").asText("(no name)");
    }

    /** Returns the problems of one resource, empty when it matches its kind's schema. */
    static List<String> check(JsonNode resource) {
        String type = type(resource);
        if (BUILT_IN.containsKey(type)) {
            List<String> problems = new java.util.ArrayList<>(checkBuiltIn(resource, BUILT_IN.get(type).clientModel()));
            problems.addAll(checkCustom(resource, BUILT_IN.get(type).fabric8Model()));
            return problems.stream().distinct().toList();
        }
        if (CUSTOM.containsKey(type)) {
            return checkCustom(resource, CUSTOM.get(type));
        }
        return List.of(describe(resource) + ": no schema known for " + type
                + "; add its model to ManifestSchemas (or KedaTypes) before using the kind");
    }

    private static List<String> checkBuiltIn(JsonNode resource, String modelName) {
        try {
            Method validate = Class.forName(CLIENT_MODELS + modelName)
                    .getMethod("validateJsonElement", com.google.gson.JsonElement.class);
            validate.invoke(null, JsonParser.parseString(resource.toString()));
            return List.of();
        } catch (InvocationTargetException e) {
            String message = String.valueOf(e.getCause().getMessage());
            // The client appends the whole offending object; the field and the type are enough here.
            int json = message.indexOf(" JSON: ");
            return List.of(describe(resource) + ": " + (json < 0 ? message : message.substring(0, json)));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("client-java-api has no usable " + modelName + ".validateJsonElement", e);
        }
    }

    private static List<String> checkCustom(JsonNode resource, Class<?> model) {
        try {
            STRICT.treeToValue(resource, model);
            return List.of();
        } catch (JsonMappingException e) {
            return List.of(describe(resource) + ": " + e.getOriginalMessage() + " at " + e.getPathReference());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return List.of(describe(resource) + ": " + e.getOriginalMessage());
        }
    }

    /**
     * Builds a mapper that rejects what a Kubernetes API server with strict field validation rejects. The
     * fabric8 and Strimzi models keep unknown fields in an "additional properties" map through a
     * Jackson any-setter, so the mapper removes every any-setter and fails on unknown properties.
     */
    private static ObjectMapper strictMapper() {
        SimpleModule noAnySetters = new SimpleModule("reject-unknown-fields");
        noAnySetters.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription description,
                    BeanDeserializerBuilder builder) {
                builder.setAnySetter(null);
                builder.setIgnoreUnknownProperties(false);
                return builder;
            }
        });
        JsonMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .addModule(noAnySetters)
                .build();
        // A number where the schema expects a string (or the other way round) is an error, as on the API server.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        for (LogicalType type : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        return mapper;
    }
}
