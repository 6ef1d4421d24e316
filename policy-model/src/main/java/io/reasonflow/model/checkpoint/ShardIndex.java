package io.reasonflow.model.checkpoint;

import io.reasonflow.model.safetensors.SafetensorsFormatException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code model.safetensors.index.json} of a sharded checkpoint: {@code metadata.total_size} (bytes of tensor
 * data over all shards) and {@code weight_map}, which maps every tensor name to the shard file holding it.
 *
 * @param weightMap tensor name to shard file name, in file order
 * @param totalSize bytes of tensor data, or -1 when the file does not say
 */
record ShardIndex(Map<String, String> weightMap, long totalSize) {
    /** Shard names as transformers writes them: {@code model-00001-of-00003.safetensors}. */
    static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    ShardIndex {
        weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
    }

    /** Returns the shard file name of shard {@code index} (0-based) of {@code count}. */
    static String shardName(int index, int count) {
        return String.format("model-%05d-of-%05d.safetensors", index + 1, count);
    }

    /** Returns the distinct shard files in the order they first appear. */
    Set<String> shardFiles() {
        return new LinkedHashSet<>(weightMap.values());
    }

    /**
     * Parses the index file.
     *
     * @param file the index path, for messages
     * @throws SafetensorsFormatException naming {@code file} when the JSON is invalid, {@code weight_map} is not an
     *                                    object of strings, or a shard name is not a plain file name
     */
    static ShardIndex parse(String json, Path file) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new SafetensorsFormatException(file + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new SafetensorsFormatException(file + ": weight_map is missing, empty or not an object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : map.properties()) {
            JsonNode shard = entry.getValue();
            if (!shard.isString() || !isPlainFileName(shard.asString())) {
                throw new SafetensorsFormatException(file + ": weight_map maps " + entry.getKey() + " to " + shard
                        + ", expected the name of a .safetensors file in the same directory");
            }
            weightMap.put(entry.getKey(), shard.asString());
        }
        JsonNode total = root.path("metadata").path("total_size");
        return new ShardIndex(weightMap, total.canConvertToLong() ? total.asLong() : -1);
    }

    private static boolean isPlainFileName(String name) {
        return name.endsWith(".safetensors") && !name.contains("/") && !name.contains("\\") && !name.equals("..");
    }

    /** Serializes the index as transformers does. */
    String toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        return MAPPER.writeValueAsString(root);
    }
}
