package io.reasonflow.model.safetensors;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Contents of a safetensors file.
 *
 * @param tensors  tensors by name, in header order
 * @param metadata the string map under {@code __metadata__}; empty when absent
 */
public record SafetensorsFile(Map<String, Tensor> tensors, Map<String, String> metadata) {

    public SafetensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
}
