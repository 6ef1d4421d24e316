package io.reasonflow.rollout;

import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
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
 * Versions at or below the newest assembled one, and refused versions, are ignored, so replaying the
 * topics from the start ends with the newest version. A failed check drops the version's chunks and is
 * reported by {@link #takeFailure()}, so the caller can fetch them again or refuse the version. Not
 * thread-safe: callers hold its monitor.
 */
public class PolicyAssembler {
    private static final Logger log = LoggerFactory.getLogger(PolicyAssembler.class);

    /** A verified weight file with its manifest. */
    public record AssembledPolicy(PolicyManifest manifest, byte[] weights) {
    }

    private final String runId;
    private final Map<Long, PolicyManifest> manifests = new TreeMap<>();
    private final Map<Long, Map<Integer, PolicyChunk>> chunks = new TreeMap<>();
    private final Map<Long, FileDigest> fileDigests = new java.util.HashMap<>();
    private final java.util.Set<Long> refused = new java.util.HashSet<>();
    private final java.util.Set<Long> failedBeforeManifest = new java.util.HashSet<>();
    private long newestAssembled = -1;
    private long rejectedChunks;
    private long rejectedVersions;
    private Long failure;

    /** @param runId run to follow; empty follows any run */
    public PolicyAssembler(String runId) {
        this.runId = runId;
    }

    /** Whether a manifest is of the followed run and newer than what was assembled, and not refused. */
    public boolean wanted(PolicyManifest manifest) {
        return follows(manifest.runId()) && manifest.version() > newestAssembled && !refused.contains(manifest.version());
    }

    /**
     * Offers a manifest of weights that travel as chunks. A manifest whose weights are at a URI is only
     * recorded; the caller fetches them and hands them to {@link #verify}.
     */
    public Optional<AssembledPolicy> offerManifest(PolicyManifest manifest) {
        failure = null;
        if (!wanted(manifest) || manifest.chunkCount() == 0) {
            return Optional.empty();
        }
        manifests.put(manifest.version(), manifest);
        if (failedBeforeManifest.remove(manifest.version())) {
            failure = manifest.version();
            return Optional.empty();
        }
        return tryAssemble(manifest.version());
    }

    public Optional<AssembledPolicy> offerChunk(PolicyChunk chunk) {
        failure = null;
        if (!follows(chunk.runId()) || chunk.version() <= newestAssembled || refused.contains(chunk.version())) {
            return Optional.empty();
        }
        String digest = sha256(chunk.data());
        if (!digest.equalsIgnoreCase(chunk.sha256())) {
            rejectedChunks++;
            log.warn("Rejected chunk {} of policy version {}: SHA-256 is {} but the chunk declares {}", chunk.index(),
                    chunk.version(), digest, chunk.sha256());
            chunks.remove(chunk.version());
            fileDigests.remove(chunk.version());
            if (manifests.containsKey(chunk.version())) {
                failure = chunk.version();
            } else {
                failedBeforeManifest.add(chunk.version());
            }
            return Optional.empty();
        }
        PolicyChunk replaced = chunks.computeIfAbsent(chunk.version(), v -> new TreeMap<>()).put(chunk.index(), chunk);
        if (replaced != null) {
            // A chunk sent again: the file's digest is computed afresh from the chunks kept.
            fileDigests.remove(chunk.version());
        } else {
            hashInOrder(chunk.version());
        }
        return tryAssemble(chunk.version());
    }

    /**
     * Feeds the chunks that continue the version's file, in index order, to its running digest, so that the
     * file's SHA-256 is ready when the last chunk or the manifest arrives.
     */
    private void hashInOrder(long version) {
        FileDigest running = fileDigests.computeIfAbsent(version, v -> new FileDigest(newSha256()));
        Map<Integer, PolicyChunk> parts = chunks.get(version);
        for (PolicyChunk next = parts.get(running.chunksHashed); next != null; next = parts.get(running.chunksHashed)) {
            running.digest.update(next.data());
            running.chunksHashed++;
        }
    }

    /** The running SHA-256 of a version's file over its first {@code chunksHashed} chunks. */
    private static final class FileDigest {
        final MessageDigest digest;
        int chunksHashed;

        FileDigest(MessageDigest digest) {
            this.digest = digest;
        }
    }

    /**
     * Checks the chunks of a version read again against its manifest; chunks that fail their own digest
     * are skipped. A success makes it the newest assembled version.
     *
     * @return the verified weights, or empty when a check failed (the reason is logged)
     */
    public Optional<AssembledPolicy> verify(PolicyManifest manifest, java.util.List<PolicyChunk> fetched) {
        failure = null;
        if (!wanted(manifest)) {
            return Optional.empty();
        }
        chunks.remove(manifest.version());
        fileDigests.remove(manifest.version());
        manifests.put(manifest.version(), manifest);
        // A chunk sent again after a corrupt copy comes later in the topic, so the good copy wins.
        for (PolicyChunk chunk : fetched) {
            if (!sha256(chunk.data()).equalsIgnoreCase(chunk.sha256())) {
                rejectedChunks++;
                continue;
            }
            chunks.computeIfAbsent(manifest.version(), v -> new TreeMap<>()).put(chunk.index(), chunk);
        }
        Optional<AssembledPolicy> assembled = tryAssemble(manifest.version());
        failure = null;
        return assembled;
    }

    /** Checks a whole weight file fetched from the manifest's URI. */
    public Optional<AssembledPolicy> verifyFile(PolicyManifest manifest, byte[] weights) {
        failure = null;
        if (!wanted(manifest)) {
            return Optional.empty();
        }
        String digest = sha256(weights);
        if (weights.length != manifest.sizeBytes() || !digest.equalsIgnoreCase(manifest.sha256())) {
            log.warn("Policy version {} from {}: {} bytes with SHA-256 {}, manifest says {} bytes with {}",
                    manifest.version(), manifest.uri(), weights.length, digest, manifest.sizeBytes(), manifest.sha256());
            return Optional.empty();
        }
        return Optional.of(accept(manifest, weights));
    }

    /**
     * The version whose check failed during the latest offer, if any; the caller fetches it again or
     * {@link #refuse refuses} it.
     */
    public Optional<Long> takeFailure() {
        Optional<Long> taken = Optional.ofNullable(failure);
        failure = null;
        return taken;
    }

    /** The manifest recorded for a version, if any. */
    public Optional<PolicyManifest> manifest(long version) {
        return Optional.ofNullable(manifests.get(version));
    }

    /** Gives up on a version: it is counted, and its manifest and chunks are ignored from now on. */
    public void refuse(long version) {
        refused.add(version);
        rejectedVersions++;
        manifests.remove(version);
        chunks.remove(version);
        fileDigests.remove(version);
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
        long total = parts.values().stream().mapToLong(part -> part.data().length).sum();
        if (total != manifest.sizeBytes()) {
            chunks.remove(version);
            fileDigests.remove(version);
            failure = version;
            log.warn("Policy version {} failed verification: its chunks hold {} bytes, the manifest says {}", version,
                    total, manifest.sizeBytes());
            return Optional.empty();
        }
        byte[] weights = new byte[(int) total];
        int filled = 0;
        for (int i = 0; i < manifest.chunkCount(); i++) {
            PolicyChunk part = parts.get(i);
            if (part == null) {
                return Optional.empty();
            }
            System.arraycopy(part.data(), 0, weights, filled, part.data().length);
            filled += part.data().length;
        }
        FileDigest running = fileDigests.remove(version);
        String digest = running != null && running.chunksHashed == manifest.chunkCount()
                ? HexFormat.of().formatHex(running.digest.digest()) : sha256(weights);
        if (weights.length != manifest.sizeBytes() || !digest.equalsIgnoreCase(manifest.sha256())) {
            chunks.remove(version);
            fileDigests.remove(version);
            failure = version;
            log.warn("Policy version {} failed verification: {} bytes with SHA-256 {}, manifest says {} bytes with {}",
                    version, weights.length, digest, manifest.sizeBytes(), manifest.sha256());
            return Optional.empty();
        }
        return Optional.of(accept(manifest, weights));
    }

    private AssembledPolicy accept(PolicyManifest manifest, byte[] weights) {
        long version = manifest.version();
        newestAssembled = version;
        manifests.keySet().removeIf(v -> v <= version);
        chunks.keySet().removeIf(v -> v <= version);
        fileDigests.keySet().removeIf(v -> v <= version);
        failedBeforeManifest.removeIf(v -> v <= version);
        return new AssembledPolicy(manifest, weights);
    }

    private boolean follows(String run) {
        return runId.isEmpty() || runId.equals(run);
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(newSha256().digest(data));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
