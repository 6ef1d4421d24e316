package io.reasonflow.model.checkpoint;

import io.reasonflow.model.safetensors.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes tensors the way a bfloat16 Hugging Face upload stores them: one BF16 safetensors file per tensor group and
 * an index, so tests can load a checkpoint that did not come from this project's writer.
 */
final class Bf16Shards {
    private Bf16Shards() {
    }

    /** Rounds toward zero to bfloat16 by keeping the upper 16 bits. */
    static short toBf16(float value) {
        return (short) (Float.floatToRawIntBits(value) >>> 16);
    }

    /** Returns the float32 value of {@link #toBf16}. */
    static float roundTrip(float value) {
        return Float.intBitsToFloat((Float.floatToRawIntBits(value) >>> 16) << 16);
    }

    /** Writes {@code groups.size()} BF16 shards and {@code model.safetensors.index.json} into {@code dir}. */
    static void write(Path dir, List<List<Tensor>> groups) throws IOException {
        StringBuilder weightMap = new StringBuilder();
        for (int i = 0; i < groups.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, groups.size());
            Files.write(dir.resolve(name), file(groups.get(i)));
            for (Tensor tensor : groups.get(i)) {
                weightMap.append(weightMap.isEmpty() ? "" : ", ").append('"').append(tensor.name()).append("\": \"")
                        .append(name).append('"');
            }
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {" + weightMap + "}}");
    }

    private static byte[] file(List<Tensor> tensors) {
        StringBuilder header = new StringBuilder("{\"__metadata__\": {\"format\": \"pt\"}");
        long offset = 0;
        List<short[]> data = new ArrayList<>();
        for (Tensor tensor : tensors) {
            short[] values = new short[tensor.data().length];
            for (int i = 0; i < values.length; i++) {
                values[i] = toBf16(tensor.data()[i]);
            }
            data.add(values);
            StringBuilder shape = new StringBuilder();
            for (long dimension : tensor.shape()) {
                shape.append(shape.isEmpty() ? "" : ",").append(dimension);
            }
            header.append(", \"").append(tensor.name()).append("\": {\"dtype\": \"BF16\", \"shape\": [").append(shape)
                    .append("], \"data_offsets\": [").append(offset).append(", ").append(offset + 2L * values.length)
                    .append("]}");
            offset += 2L * values.length;
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(8 + json.length + offset))
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json);
        for (short[] values : data) {
            for (short value : values) {
                buffer.putShort(value);
            }
        }
        return buffer.array();
    }
}
