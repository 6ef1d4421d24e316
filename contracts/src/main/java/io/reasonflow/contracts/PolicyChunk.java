package io.reasonflow.contracts;

import tools.jackson.databind.annotation.JsonSerialize;

/**
 * One chunk of a policy version's weight file (topic {@code reasonflow.policy.chunks},
 * key = {@code runId/version/index}).
 *
 * @param schemaVersion message schema version
 * @param runId         run that trained the policy
 * @param version       policy version the chunk belongs to
 * @param index         chunk index, from 0
 * @param count         number of chunks of this version
 * @param sha256        hex SHA-256 of {@code data}
 * @param data          the bytes (as they are in the binary record, see {@link PolicyChunkCodec}; base64 in JSON)
 */
public record PolicyChunk(int schemaVersion, String runId, long version, int index, int count, String sha256,
        @JsonSerialize(using = Base64Bytes.class) byte[] data) {

    public PolicyChunk {
        Checks.schema(schemaVersion);
        Checks.requiredText(runId, "run_id");
        Checks.nonNegative(version, "version");
        Checks.requiredText(sha256, "sha256");
        Checks.required(data, "data");
        if (count < 1 || index < 0 || index >= count) {
            throw new InvalidMessageException("chunk index " + index + " of count " + count
                    + " is out of range, expected 0 <= index < count");
        }
    }

    public String key() {
        return runId + "/" + version + "/" + index;
    }
}
