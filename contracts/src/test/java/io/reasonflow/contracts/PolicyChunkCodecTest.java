package io.reasonflow.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PolicyChunkCodecTest {
    private static final byte[] DATA = {0, 1, 2, (byte) 0xff, 'R', 'F', 'C', '1', '{'};

    private static PolicyChunk chunk() {
        return new PolicyChunk(Messages.SCHEMA_VERSION, "run-a", 3, 1, 4, "ab12", DATA);
    }

    @Test
    void binaryRoundTripKeepsBytes() {
        byte[] value = Topics.POLICY_CHUNKS.encode(chunk());
        PolicyChunk decoded = Topics.POLICY_CHUNKS.decode(value);

        assertThat(decoded.runId()).isEqualTo("run-a");
        assertThat(decoded.version()).isEqualTo(3);
        assertThat(decoded.index()).isEqualTo(1);
        assertThat(decoded.count()).isEqualTo(4);
        assertThat(decoded.sha256()).isEqualTo("ab12");
        assertThat(decoded.data()).isEqualTo(DATA);
    }

    @Test
    void binaryValueCarriesBytesUnencoded() {
        byte[] value = Topics.POLICY_CHUNKS.encode(chunk());
        byte[] tail = Arrays.copyOfRange(value, value.length - DATA.length, value.length);

        assertThat(new String(value, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RFC1");
        assertThat(tail).isEqualTo(DATA);
    }

    @Test
    void jsonChunkIsStillRead() {
        PolicyChunk decoded = Topics.POLICY_CHUNKS.decode(Messages.encode(chunk()));

        assertThat(decoded.data()).isEqualTo(DATA);
        assertThat(decoded.key()).isEqualTo("run-a/3/1");
    }

    @Test
    void unknownPrefixIsRejected() {
        assertThatThrownBy(() -> Topics.POLICY_CHUNKS.decode("hello world".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("RFC1");
    }

    @Test
    void headerLengthPastEndIsRejected() {
        byte[] value = Topics.POLICY_CHUNKS.encode(chunk());
        ByteBuffer.wrap(value).putInt(4, value.length);

        assertThatThrownBy(() -> Topics.POLICY_CHUNKS.decode(value))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("header length " + value.length);
    }

    @Test
    void truncatedValueIsRejected() {
        assertThatThrownBy(() -> Topics.POLICY_CHUNKS.decode(new byte[] {'R', 'F', 'C'}))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("3 bytes");
    }

    /** Returns a binary chunk record with this header and two bytes of data. */
    private static byte[] binaryChunk(String header) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + 2).put("RFC1".getBytes(StandardCharsets.US_ASCII))
                .putInt(json.length).put(json).put(new byte[] {1, 2}).array();
    }

    @Test
    void missingHeaderFieldIsRejected() {
        byte[] value = binaryChunk("{\"schema_version\":1,\"run_id\":\"r\",\"version\":1,\"index\":0,\"count\":1}");

        assertThatThrownBy(() -> Topics.POLICY_CHUNKS.decode(value))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("sha256");
    }

    @Test
    void unknownSchemaVersionIsRejected() {
        byte[] value = binaryChunk(
                "{\"schema_version\":9,\"run_id\":\"r\",\"version\":1,\"index\":0,\"count\":1,\"sha256\":\"00\"}");

        assertThatThrownBy(() -> Topics.POLICY_CHUNKS.decode(value))
                .isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("9");
    }
}
