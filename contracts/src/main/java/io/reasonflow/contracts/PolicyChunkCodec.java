package io.reasonflow.contracts;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Record values of {@code reasonflow.policy.chunks}: the chunk's fields as a small JSON header, then its bytes as
 * they are, so that weights travel without base64.
 *
 * <pre>
 * bytes 0-3   magic "RFC1" (ASCII)
 * bytes 4-7   header length n, big-endian int32
 * n bytes     UTF-8 JSON header: schema_version, run_id, version, index, count, sha256
 * the rest    the chunk's bytes
 * </pre>
 *
 * A value that starts with '{' is read as a whole JSON chunk, with the bytes in base64, as older trainers wrote it.
 */
final class PolicyChunkCodec implements MessageCodec<PolicyChunk> {
    private static final byte[] MAGIC = "RFC1".getBytes(StandardCharsets.US_ASCII);
    private static final int PREFIX_BYTES = MAGIC.length + Integer.BYTES;
    /** Far above any real header (six short fields), so a corrupt length is caught before allocating. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    /** The chunk's fields without its bytes. */
    record PolicyChunkHeader(int schemaVersion, String runId, long version, int index, int count, String sha256) {
    }

    @Override
    public byte[] encode(PolicyChunk chunk) {
        byte[] header = Messages.encode(new PolicyChunkHeader(chunk.schemaVersion(), chunk.runId(), chunk.version(),
                chunk.index(), chunk.count(), chunk.sha256()));
        return ByteBuffer.allocate(PREFIX_BYTES + header.length + chunk.data().length)
                .put(MAGIC).putInt(header.length).put(header).put(chunk.data()).array();
    }

    @Override
    public PolicyChunk decode(byte[] value) {
        if (value != null && value.length > 0 && value[0] == '{') {
            return Messages.decode(value, PolicyChunk.class);
        }
        if (value == null) {
            throw new InvalidMessageException("record value is null (a tombstone), expected a PolicyChunk");
        }
        if (value.length < PREFIX_BYTES || !Arrays.equals(value, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new InvalidMessageException("not a PolicyChunk: the value of " + value.length
                    + " bytes starts with neither the binary chunk's magic \"RFC1\" nor '{' of a JSON chunk");
        }
        int headerLength = ByteBuffer.wrap(value, MAGIC.length, Integer.BYTES).getInt();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > value.length - PREFIX_BYTES) {
            throw new InvalidMessageException("PolicyChunk header length " + headerLength + " is out of range: the value "
                    + "has " + (value.length - PREFIX_BYTES) + " bytes after the prefix, and a header is at most "
                    + MAX_HEADER_BYTES + " bytes");
        }
        PolicyChunkHeader header = Messages.decode(Arrays.copyOfRange(value, PREFIX_BYTES, PREFIX_BYTES + headerLength),
                PolicyChunkHeader.class);
        byte[] data = Arrays.copyOfRange(value, PREFIX_BYTES + headerLength, value.length);
        return new PolicyChunk(header.schemaVersion(), header.runId(), header.version(), header.index(), header.count(),
                header.sha256(), data);
    }
}
