package io.reasonflow.model.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.transformer.PolicyModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafetensorsTest {
    private static final ModelConfig CONFIG = new ModelConfig(40, 32, 2, 4, 2, 48, 64, 10_000.0, 1e-5, true, 37, 38);

    /** Builds a file from a raw JSON header and data section. */
    private static byte[] file(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json).put(data);
        return buffer.array();
    }

    private static byte[] littleEndianFloats(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return buffer.array();
    }

    @Test
    void modelRoundTripIsBitExact() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 17)) {
            byte[] bytes = model.toSafetensors();
            try (PolicyModel loaded = PolicyModel.fromSafetensors(CONFIG, bytes)) {
                assertThat(loaded.parameters().keySet()).containsExactlyElementsOf(model.parameters().keySet());
                model.parameters().forEach((name, parameter) -> {
                    int[] expected = bits(parameter.toFloatArray());
                    assertThat(bits(loaded.parameters().get(name).toFloatArray())).as(name).containsExactly(expected);
                });
                assertThat(loaded.toSafetensors()).isEqualTo(bytes);
            }
        }
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    @Test
    void writesStandardLayout() {
        byte[] bytes = SafetensorsWriter.write(List.of(new Tensor("a", new long[] {2}, new float[] {1.5f, -2f})),
                Map.of("format", "pt"));
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(headerLength % 8).isZero();
        assertThat(header.strip()).isEqualTo("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        assertThat(Arrays.copyOfRange(bytes, 8 + (int) headerLength, bytes.length))
                .isEqualTo(littleEndianFloats(1.5f, -2f));
        SafetensorsFile read = SafetensorsReader.read(bytes);
        assertThat(read.metadata()).containsEntry("format", "pt");
        assertThat(read.tensors().get("a").data()).containsExactly(1.5f, -2f);
    }

    @Test
    void readsHalfAndBfloat16() {
        // F16 0x3C00 = 1.0, 0xC000 = -2.0, 0x0001 = 2^-24; BF16 0x3FC0 = 1.5, 0xC040 = -3.0.
        byte[] data = {0x00, 0x3C, 0x00, (byte) 0xC0, 0x01, 0x00, (byte) 0xC0, 0x3F, 0x40, (byte) 0xC0};
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]}}";
        SafetensorsFile read = SafetensorsReader.read(file(header, data));
        assertThat(read.tensors().get("h").data()).containsExactly(1.0f, -2.0f, 0x1p-24f);
        assertThat(read.tensors().get("b").data()).containsExactly(1.5f, -3.0f);
    }

    @Test
    void rejectsTruncatedFile() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 17)) {
            byte[] bytes = model.toSafetensors();
            byte[] truncated = Arrays.copyOf(bytes, bytes.length - 100);
            assertThatThrownBy(() -> PolicyModel.fromSafetensors(CONFIG, truncated))
                    .isInstanceOf(SafetensorsFormatException.class)
                    .hasMessageContaining("out of range");
            assertThatThrownBy(() -> SafetensorsReader.read(new byte[5]))
                    .hasMessageContaining("shorter than the 8-byte header length");
        }
    }

    @Test
    void rejectsOffsetOutOfRange() {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertThatThrownBy(() -> SafetensorsReader.read(file(header, littleEndianFloats(1, 2))))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("tensor w")
                .hasMessageContaining("[4, 12] are out of range for a data section of 8 bytes");
    }

    @Test
    void rejectsAbsurdHeaderLength() {
        byte[] bytes = file("{}", new byte[0]);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        assertThatThrownBy(() -> SafetensorsReader.read(bytes))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessageContaining("header length 1099511627776 exceeds");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        assertThatThrownBy(() -> SafetensorsReader.read(bytes))
                .hasMessageContaining("header length 18446744073709551615 exceeds");
    }

    @Test
    void rejectsOverlappingTensors() {
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertThatThrownBy(() -> SafetensorsReader.read(file(header, littleEndianFloats(1, 2, 3))))
                .hasMessageContaining("tensor b: data_offsets [4, 12] overlap tensor a [0, 8]");
    }

    @Test
    void rejectsSizeShapeMismatchAndBadDtype() {
        String wrongSize = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        assertThatThrownBy(() -> SafetensorsReader.read(file(wrongSize, littleEndianFloats(1, 2))))
                .hasMessageContaining("tensor a: data_offsets span 8 bytes, but shape [3] of F32 needs 12");
        String int8 = "{\"a\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}";
        assertThatThrownBy(() -> SafetensorsReader.read(file(int8, new byte[2])))
                .hasMessageContaining("tensor a has dtype \"I8\"");
        assertThatThrownBy(() -> SafetensorsReader.read(file("[1]", new byte[0])))
                .hasMessageContaining("header must be a JSON object");
        assertThatThrownBy(() -> SafetensorsReader.read(file("{\"a\":", new byte[0])))
                .hasMessageContaining("header is not valid JSON");
    }

    @Test
    void rejectsMissingUnexpectedAndMisshapenTensors() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 17)) {
            SafetensorsFile file = SafetensorsReader.read(model.toSafetensors());
            List<Tensor> tensors = List.copyOf(file.tensors().values());

            List<Tensor> missing = tensors.subList(0, tensors.size() - 1);
            assertThatThrownBy(() -> PolicyModel.fromSafetensors(CONFIG, SafetensorsWriter.write(missing, Map.of())))
                    .isInstanceOf(SafetensorsFormatException.class)
                    .hasMessage("missing tensor model.norm.weight");

            List<Tensor> extra = new ArrayList<>(tensors);
            extra.add(new Tensor("model.layers.2.mlp.up_proj.weight", new long[] {48, 32}, new float[48 * 32]));
            assertThatThrownBy(() -> PolicyModel.fromSafetensors(CONFIG, SafetensorsWriter.write(extra, Map.of())))
                    .hasMessageContaining("unexpected tensor model.layers.2.mlp.up_proj.weight");

            List<Tensor> misshapen = new ArrayList<>(tensors);
            misshapen.set(0, new Tensor("model.embed_tokens.weight", new long[] {32, 40}, tensors.get(0).data()));
            assertThatThrownBy(() -> PolicyModel.fromSafetensors(CONFIG,
                    SafetensorsWriter.write(misshapen, Map.of())))
                    .hasMessage("tensor model.embed_tokens.weight has shape [32, 40], expected [40, 32]");
        }
    }

    @Test
    void ignoresTiedHeadAndRotaryBuffers() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 17)) {
            List<Tensor> tensors = new ArrayList<>(model.tensors());
            tensors.add(new Tensor("lm_head.weight", new long[] {40, 32}, new float[40 * 32]));
            tensors.add(new Tensor("model.layers.0.self_attn.rotary_emb.inv_freq", new long[] {4}, new float[4]));
            try (PolicyModel loaded = PolicyModel.fromSafetensors(CONFIG, SafetensorsWriter.write(tensors, Map.of()))) {
                assertThat(loaded.parameters()).doesNotContainKey("lm_head.weight");
                assertThat(loaded.toSafetensors()).isEqualTo(model.toSafetensors());
            }
        }
    }
}
