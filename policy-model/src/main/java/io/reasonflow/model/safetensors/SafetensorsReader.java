package io.reasonflow.model.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads safetensors files holding F32, F16 or BF16 tensors, converting every tensor to float32.
 *
 * <p>Every structural problem raises a {@link SafetensorsFormatException} that names the tensor and the reason:
 * a header length beyond the file, a header that is not a JSON object, a missing or invalid field, an
 * unsupported dtype, offsets outside the data section or overlapping another tensor, and a byte range whose
 * size does not match the shape.
 */
public final class SafetensorsReader {
    /** The reference implementation rejects headers above 100 MB. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final String METADATA = "__metadata__";
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private SafetensorsReader() {
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    public static SafetensorsFile read(byte[] bytes) {
        if (bytes.length < 8) {
            throw new SafetensorsFormatException("file is " + bytes.length + " bytes, shorter than the 8-byte "
                    + "header length");
        }
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 0 || headerLength > bytes.length - 8L || headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException("header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the " + (bytes.length - 8) + " bytes after the length field (limit "
                    + MAX_HEADER_BYTES + ")");
        }
        int dataStart = 8 + (int) headerLength;
        JsonNode header = parseHeader(bytes, (int) headerLength);
        List<Entry> entries = entries(header, bytes.length - dataStart);
        checkNoOverlap(entries);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry entry : entries) {
            tensors.put(entry.name(), decode(entry, bytes, dataStart));
        }
        return new SafetensorsFile(tensors, metadata(header));
    }

    private static JsonNode parseHeader(byte[] bytes, int length) {
        String json = new String(bytes, 8, length, StandardCharsets.UTF_8);
        JsonNode header;
        try {
            header = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new SafetensorsFormatException("header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsFormatException("header must be a JSON object");
        }
        return header;
    }

    private static List<Entry> entries(JsonNode header, long dataLength) {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : header.properties()) {
            if (!METADATA.equals(field.getKey())) {
                entries.add(entry(field.getKey(), field.getValue(), dataLength));
            }
        }
        return entries;
    }

    private static Entry entry(String name, JsonNode node, long dataLength) {
        if (!node.isObject()) {
            throw new SafetensorsFormatException("tensor " + name + ": header entry must be an object");
        }
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isString()) {
            throw new SafetensorsFormatException("tensor " + name + ": missing string field dtype");
        }
        DType type = DType.parse(dtype.asString(), name);
        long[] shape = longs(name, node, "shape", -1);
        long[] offsets = longs(name, node, "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataLength) {
            throw new SafetensorsFormatException("tensor " + name + ": data_offsets [" + begin + ", " + end
                    + "] are out of range for a data section of " + dataLength + " bytes");
        }
        long expected = Math.multiplyExact(elementCount(name, shape), type.bytes);
        if (end - begin != expected) {
            throw new SafetensorsFormatException("tensor " + name + ": data_offsets span " + (end - begin)
                    + " bytes, but shape " + Arrays.toString(shape) + " of " + type + " needs " + expected);
        }
        return new Entry(name, type, shape, begin, end);
    }

    private static long elementCount(String name, long[] shape) {
        try {
            return Tensor.elementCount(shape);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new SafetensorsFormatException("tensor " + name + ": invalid shape: " + e.getMessage(), e);
        }
    }

    private static long[] longs(String name, JsonNode node, String field, int requiredLength) {
        JsonNode array = node.get(field);
        if (array == null || !array.isArray() || (requiredLength >= 0 && array.size() != requiredLength)) {
            String expected = requiredLength >= 0 ? "an array of " + requiredLength + " integers" : "an array";
            throw new SafetensorsFormatException("tensor " + name + ": field " + field + " is " + array
                    + ", expected " + expected);
        }
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode value = array.get(i);
            if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0) {
                throw new SafetensorsFormatException("tensor " + name + ": " + field + "[" + i + "] is " + value
                        + ", expected a non-negative integer");
            }
            values[i] = value.asLong();
        }
        return values;
    }

    private static void checkNoOverlap(List<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < sorted.size(); i++) {
            Entry previous = sorted.get(i - 1);
            Entry current = sorted.get(i);
            if (current.begin() < previous.end()) {
                throw new SafetensorsFormatException("tensor " + current.name() + ": data_offsets ["
                        + current.begin() + ", " + current.end() + "] overlap tensor " + previous.name() + " ["
                        + previous.begin() + ", " + previous.end() + "]");
            }
        }
    }

    private static Tensor decode(Entry entry, byte[] bytes, int dataStart) {
        int count = Math.toIntExact((entry.end() - entry.begin()) / entry.dtype().bytes);
        ByteBuffer source = ByteBuffer.wrap(bytes, dataStart + (int) entry.begin(), (int) (entry.end() - entry.begin()))
                .slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[count];
        switch (entry.dtype()) {
            case F32 -> source.asFloatBuffer().get(values);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = DType.halfToFloat(source.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    values[i] = DType.bfloat16ToFloat(source.getShort(2 * i));
                }
            }
        }
        return new Tensor(entry.name(), entry.shape(), values);
    }

    private static Map<String, String> metadata(JsonNode header) {
        JsonNode node = header.get(METADATA);
        Map<String, String> metadata = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return metadata;
        }
        if (!node.isObject()) {
            throw new SafetensorsFormatException(METADATA + " must be an object of strings");
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isString()) {
                throw new SafetensorsFormatException(METADATA + "." + field.getKey() + " is " + field.getValue()
                        + ", expected a string");
            }
            metadata.put(field.getKey(), field.getValue().asString());
        }
        return metadata;
    }
}
