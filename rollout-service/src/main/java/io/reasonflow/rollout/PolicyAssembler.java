package io.reasonflow.rollout;

import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins a policy version's manifest with its weight chunks, which arrive on two topics in any order,
 * and verifies the SHA-256 of every chunk and of the whole file before handing the bytes out.
 * Versions at or below the newest assembled one are ignored, so replaying the topics from the start
 * ends with the newest version. Not thread-safe: one policy listener thread calls it.
 */
public class PolicyAssembler {
    private static final Logger log = LoggerFactory.getLogger(PolicyAssembler.class);

    /** A verified weight file with its manifest. */
    public record AssembledPolicy(PolicyManifest manifest, byte[] weights) {
    }

    private final String runId;
    private final Map<Long, PolicyManifest> manifests = new TreeMap<>();
    private final Map<Long, Map<Integer, PolicyChunk>> chunks = new TreeMap<>();
    private long newestAssembled = -1;
    private long rejectedChunks;
    private long rejectedVersions;

    /** @param runId run to follow; empty follows any run */
    public PolicyAssembler(String runId) {
        this.runId = runId;
    }

    public Optional<AssembledPolicy> offerManifest(PolicyManifest manifest) {
        if (!follows(manifest.runId()) || manifest.version() <= newestAssembled) {
            return Optional.empty();
        }
        if (manifest.chunkCount() == 0) {
            throw new IllegalArgumentException("policy version " + manifest.version() + " is stored at "
                    + manifest.uri() + ", but this worker reads weights only from reasonflow.policy.chunks");
        }
        manifests.put(manifest.version(), manifest);
        return tryAssemble(manifest.version());
    }

    public Optional<AssembledPolicy> offerChunk(PolicyChunk chunk) {
        if (!follows(chunk.runId()) || chunk.version() <= newestAssembled) {
            return Optional.empty();
        }
        String digest = sha256(chunk.data());
        if (!digest.equalsIgnoreCase(chunk.sha256())) {
            rejectedChunks++;
            log.warn("Rejected chunk {} of policy version {}: SHA-256 is {} but the chunk declares {}", chunk.index(),
                    chunk.version(), digest, chunk.sha256());
            return Optional.empty();
        }
        chunks.computeIfAbsent(chunk.version(), v -> new TreeMap<>()).put(chunk.index(), chunk);
        return tryAssemble(chunk.version());
    }

    public long rejectedChunks() {
        return rejectedChunks;
    }

    public long rejectedVersions() {
        return rejectedVersions;
    }

    private Optional<AssembledPolicy> tryAssemble(long version) {
        PolicyManifest manifest = manifests.get(version);
        Map<Integer, PolicyChunk> parts = chunks.get(version);
        if (manifest == null || parts == null || parts.size() < manifest.chunkCount()) {
            return Optional.empty();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) manifest.sizeBytes());
        for (int i = 0; i < manifest.chunkCount(); i++) {
            PolicyChunk part = parts.get(i);
            if (part == null) {
                return Optional.empty();
            }
            out.writeBytes(part.data());
        }
        byte[] weights = out.toByteArray();
        String digest = sha256(weights);
        if (weights.length != manifest.sizeBytes() || !digest.equalsIgnoreCase(manifest.sha256())) {
            rejectedVersions++;
            chunks.remove(version);
            log.warn("Rejected policy version {}: {} bytes with SHA-256 {}, manifest says {} bytes with {}; "
                    + "the previous version stays in use", version, weights.length, digest, manifest.sizeBytes(),
                    manifest.sha256());
            return Optional.empty();
        }
        newestAssembled = version;
        manifests.keySet().removeIf(v -> v <= version);
        chunks.keySet().removeIf(v -> v <= version);
        return Optional.of(new AssembledPolicy(manifest, weights));
    }

    private boolean follows(String run) {
        return runId.isEmpty() || runId.equals(run);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
