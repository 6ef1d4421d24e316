package io.reasonflow.trainer.checkpoint;

import java.util.Map;
import java.util.TreeMap;

/**
 * {@code manifest.json} of a trainer checkpoint, written last, so a directory with a manifest is complete.
 *
 * @param format           {@value #FORMAT}
 * @param runId            the run
 * @param step             GRPO steps completed (0: the end of cold-start SFT)
 * @param policyVersion    the policy version the checkpoint's weights were published as
 * @param createdAt        when it was written, ISO-8601 UTC
 * @param settings         the run's {@code reasonflow.trainer.*} settings ({@link RunSettings}), those of the
 *                         services around the trainer under {@code pipeline.}
 * @param files            every other file of the checkpoint, by relative path: size and SHA-256
 */
public record CheckpointManifest(String format, String runId, int step, long policyVersion, String createdAt,
        Map<String, String> settings, Map<String, FileDigest> files) {

    public static final String FORMAT = "reasonflow-trainer-checkpoint-1";

    /**
     * @param bytes  file size
     * @param sha256 hex SHA-256 of the content
     */
    public record FileDigest(long bytes, String sha256) {
    }

    public CheckpointManifest {
        settings = new TreeMap<>(settings);
        files = new TreeMap<>(files);
    }
}
