package io.reasonflow.model.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes float32 tensors in the safetensors format: an 8-byte little-endian header length, a JSON header that
 * maps each name to its dtype, shape and {@code [begin, end)} byte offsets in the data section, then the
 * little-endian data. The header is padded with spaces to a multiple of 8 bytes, as the reference
 * implementation does, so that the data section stays aligned.
 */
public final class SafetensorsWriter {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final int ALIGNMENT = 8;

    private SafetensorsWriter() {
    }

    /** Serializes the tensors in iteration order, with {@code metadata} under {@code __metadata__}. */
    public static byte[] write(Collection<Tensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        long dataBytes = 0;
        for (Tensor tensor : tensors) {
            dataBytes += 4L * tensor.data().length;
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + header.length + dataBytes))
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length);
        out.put(header);
        for (Tensor tensor : tensors) {
            out.asFloatBuffer().put(tensor.data());
            out.position(out.position() + 4 * tensor.data().length);
        }
        return out.array();
    }

    private static byte[] header(Collection<Tensor> tensors, Map<String, String> metadata) {
        ObjectNode root = MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor tensor : tensors) {
            if (root.has(tensor.name())) {
                throw new IllegalArgumentException("duplicate tensor name " + tensor.name());
            }
            long end = offset + 4L * tensor.data().length;
            ObjectNode entry = root.putObject(tensor.name());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(tensor.shape()).forEach(shape::add);
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }
}
