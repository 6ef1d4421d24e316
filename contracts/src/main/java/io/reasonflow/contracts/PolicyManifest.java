package io.reasonflow.contracts;

/**
 * An immutable policy version (topic {@code reasonflow.policy}, key = run id).
 *
 * @param schemaVersion message schema version
 * @param runId         run that trained the policy
 * @param version       policy version, increasing within a run
 * @param step          optimizer step that produced it
 * @param parentVersion version it was trained from; null for the first
 * @param format        weight format, {@code safetensors}
 * @param sizeBytes     size of the weight file in bytes
 * @param sha256        hex SHA-256 of the whole weight file
 * @param chunkCount    number of chunks on {@code reasonflow.policy.chunks}; 0 when {@code uri} is set
 * @param uri           location on a shared store, or null when the weights travel as chunks
 * @param modelConfig   the model's {@code config.json}, as a JSON string
 */
public record PolicyManifest(int schemaVersion, String runId, long version, long step, Long parentVersion,
        String format, long sizeBytes, String sha256, int chunkCount, String uri, String modelConfig) {

    public PolicyManifest {
        Checks.schema(schemaVersion);
        Checks.requiredText(runId, "run_id");
        Checks.nonNegative(version, "version");
        Checks.nonNegative(step, "step");
        Checks.requiredText(format, "format");
        Checks.nonNegative(sizeBytes, "size_bytes");
        Checks.requiredText(sha256, "sha256");
        Checks.nonNegative(chunkCount, "chunk_count");
        Checks.requiredText(modelConfig, "model_config");
        if (chunkCount == 0 && (uri == null || uri.isBlank())) {
            throw new InvalidMessageException("policy version " + version + " has neither chunks nor a uri");
        }
    }
}
