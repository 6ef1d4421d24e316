package io.reasonflow.trainer.policy;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.model.transformer.PolicyModel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes immutable policy versions: the weights as a safetensors file split into chunks below the
 * broker's default 1 MB message limit (base64 in JSON adds a third), each chunk and the whole file
 * with its SHA-256.
 */
public class PolicyVersions {
    /** Raw bytes per chunk; about 700 KB once base64-encoded. */
    static final int CHUNK_BYTES = 512 * 1024;

    private final PolicyPublisher io;
    private final String runId;
    private final java.nio.file.Path store;
    private long latestVersion = -1;
    /**
     * Renumberings on resume, each a pair of the checkpoint's version and the number it is served as. The interrupted
     * attempt published the numbers between them after its checkpoint, so the current policy does not descend from
     * them. NOTE: kept for this attempt only, so after a second resume the first one's pairs are gone and older
     * groups count as further behind than they are: they may be dropped as stale early, but never trained beyond the
     * bound.
     */
    private final List<long[]> renumbered = new ArrayList<>();

    public PolicyVersions(PolicyPublisher io, String runId) {
        this(io, runId, null);
    }

    /** @param store shared directory that receives the weight files, or null to send them as chunks */
    public PolicyVersions(PolicyPublisher io, String runId, java.nio.file.Path store) {
        this.io = io;
        this.runId = runId;
        this.store = store;
    }

    /** Publishes the model as the next version and returns that version number. */
    public long publish(PolicyModel model, long step) {
        return publishAs(model, latestVersion + 1, latestVersion < 0 ? null : latestVersion, step);
    }

    /**
     * Makes the weights of a checkpoint the current version of a resumed run. Versions are immutable and rollout
     * workers ignore a number they have seen, so the weights keep their version only where the broker's newest
     * version of this run is that one. Where the interrupted attempt published newer versions after the
     * checkpoint, the weights are published again as the next free number, with the checkpoint's version as
     * parent. On a broker without the checkpoint's version (a fresh one) they are published under their own number.
     *
     * @return the version the checkpoint's weights are served as
     */
    public long resume(PolicyModel model, long checkpointVersion, long step) {
        long highest = io.highestPublishedVersion(runId);
        if (highest == checkpointVersion) {
            latestVersion = checkpointVersion;
            return checkpointVersion;
        }
        if (highest < checkpointVersion) {
            return publishAs(model, checkpointVersion, checkpointVersion > 0 ? checkpointVersion - 1 : null, step);
        }
        renumbered.add(new long[] {checkpointVersion, highest + 1});
        return publishAs(model, highest + 1, checkpointVersion, step);
    }

    /**
     * Returns how many versions the current policy is ahead of {@code generatedWith} along its own line of
     * versions: the difference of the numbers, less the numbers a resume skipped when it served the checkpoint's
     * weights under a new number. A version that the interrupted attempt published after the checkpoint is not an
     * ancestor of the current policy, and gives {@link Long#MAX_VALUE}.
     */
    public long versionsBehind(long generatedWith) {
        long behind = latestVersion - generatedWith;
        for (long[] renumbering : renumbered) {
            long from = renumbering[0];
            long to = renumbering[1];
            if (generatedWith > from && generatedWith < to) {
                return Long.MAX_VALUE;
            }
            if (generatedWith <= from) {
                behind -= to - from;
            }
        }
        return behind;
    }

    /**
     * Publishes weights that were not trained from an earlier version of this run, such as a distilled student,
     * as the version after the newest one of the run on the broker (0 when there is none), with no parent. A
     * rerun under the same run id therefore never reuses a number that rollout workers have seen and ignore.
     *
     * @return the version published
     */
    public long publishWithoutParent(PolicyModel model, long step) {
        return publishAs(model, io.highestPublishedVersion(runId) + 1, null, step);
    }

    private long publishAs(PolicyModel model, long version, Long parent, long step) {
        byte[] weights = model.toSafetensors();
        if (store != null) {
            String uri = writeToStore(version, weights);
            io.publishPolicy(new PolicyManifest(Messages.SCHEMA_VERSION, runId, version, step, parent, "safetensors",
                    weights.length, sha256(weights), 0, uri, model.config().toJson()), List.of());
            latestVersion = version;
            return version;
        }
        // The file's digest is computed on a second thread while this one splits and hashes the chunks.
        CompletableFuture<String> fileDigest = CompletableFuture.supplyAsync(() -> sha256(weights));
        List<PolicyChunk> chunks = split(version, weights);
        PolicyManifest manifest = new PolicyManifest(Messages.SCHEMA_VERSION, runId, version, step, parent,
                "safetensors", weights.length, fileDigest.join(), chunks.size(), null, model.config().toJson());
        io.publishPolicy(manifest, chunks);
        latestVersion = version;
        return version;
    }

    /** Writes the file under a temporary name and renames it, so a reader never sees part of it. */
    private String writeToStore(long version, byte[] weights) {
        java.nio.file.Path dir = store.resolve(runId);
        java.nio.file.Path target = dir.resolve("v" + version + ".safetensors");
        try {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Path partial = dir.resolve("v" + version + ".safetensors.partial");
            java.nio.file.Files.write(partial, weights);
            java.nio.file.Files.move(partial, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write policy version " + version + " to the policy store "
                    + target + ": " + e.getMessage(), e);
        }
        return target.toAbsolutePath().toUri().toString();
    }

    public long latestVersion() {
        return latestVersion;
    }

    private List<PolicyChunk> split(long version, byte[] weights) {
        int count = Math.max(1, (weights.length + CHUNK_BYTES - 1) / CHUNK_BYTES);
        List<PolicyChunk> chunks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] data = Arrays.copyOfRange(weights, i * CHUNK_BYTES, Math.min(weights.length, (i + 1) * CHUNK_BYTES));
            chunks.add(new PolicyChunk(Messages.SCHEMA_VERSION, runId, version, i, count, sha256(data), data));
        }
        return chunks;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
