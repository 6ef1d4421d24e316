package io.reasonflow.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PolicyAssemblerTest {
    private static final byte[] WEIGHTS = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    private static PolicyManifest manifest(long version, byte[] weights, int chunks) {
        return new PolicyManifest(Messages.SCHEMA_VERSION, "run", version, version, null, "safetensors", weights.length,
                PolicyAssembler.sha256(weights), chunks, null, "{}");
    }

    private static PolicyChunk chunk(long version, int index, int count, byte[] data) {
        return new PolicyChunk(Messages.SCHEMA_VERSION, "run", version, index, count, PolicyAssembler.sha256(data), data);
    }

    @Test
    void assemblesWhenManifestArrivesLast() {
        PolicyAssembler assembler = new PolicyAssembler("run");

        assertThat(assembler.offerChunk(chunk(1, 1, 2, Arrays.copyOfRange(WEIGHTS, 10, 20)))).isEmpty();
        assertThat(assembler.offerChunk(chunk(1, 0, 2, Arrays.copyOfRange(WEIGHTS, 0, 10)))).isEmpty();
        var assembled = assembler.offerManifest(manifest(1, WEIGHTS, 2));

        assertThat(assembled).isPresent();
        assertThat(assembled.get().weights()).isEqualTo(WEIGHTS);
    }

    @Test
    void assemblesWhenChunkArrivesLast() {
        PolicyAssembler assembler = new PolicyAssembler("");

        assertThat(assembler.offerManifest(manifest(2, WEIGHTS, 1))).isEmpty();
        assertThat(assembler.offerChunk(chunk(2, 0, 1, WEIGHTS))).isPresent();
    }

    @Test
    void chunkWithWrongDigestFailsItsVersionOnceTheManifestIsKnown() {
        PolicyAssembler assembler = new PolicyAssembler("run");
        PolicyChunk tampered = new PolicyChunk(Messages.SCHEMA_VERSION, "run", 1, 0, 1,
                PolicyAssembler.sha256("other".getBytes(StandardCharsets.US_ASCII)), WEIGHTS);

        assertThat(assembler.offerChunk(tampered)).isEmpty();
        assertThat(assembler.takeFailure()).as("no manifest yet to fetch against").isEmpty();
        assertThat(assembler.offerManifest(manifest(1, WEIGHTS, 1))).isEmpty();

        assertThat(assembler.takeFailure()).contains(1L);
        assertThat(assembler.rejectedChunks()).isEqualTo(1);
    }

    @Test
    void fileWhoseDigestDiffersFromManifestFailsAndIsRefused() {
        PolicyAssembler assembler = new PolicyAssembler("run");
        byte[] other = "XXXXXXXXXXXXXXXXXXXX".getBytes(StandardCharsets.US_ASCII);

        assertThat(assembler.offerChunk(chunk(1, 0, 1, other))).isEmpty();
        assertThat(assembler.offerManifest(manifest(1, WEIGHTS, 1))).isEmpty();
        assertThat(assembler.takeFailure()).contains(1L);
        assertThat(assembler.takeFailure()).as("a failure is reported once").isEmpty();

        assembler.refuse(1);
        assertThat(assembler.rejectedVersions()).isEqualTo(1);
        assertThat(assembler.offerChunk(chunk(1, 0, 1, WEIGHTS))).as("a refused version stays refused").isEmpty();
        assertThat(assembler.offerManifest(manifest(1, WEIGHTS, 1))).isEmpty();
    }

    @Test
    void chunksReadAgainPassWhenAGoodCopyFollowsTheCorruptOne() {
        PolicyAssembler assembler = new PolicyAssembler("run");
        PolicyManifest manifest = manifest(1, WEIGHTS, 2);
        PolicyChunk first = chunk(1, 0, 2, Arrays.copyOfRange(WEIGHTS, 0, 10));
        PolicyChunk corrupt = new PolicyChunk(Messages.SCHEMA_VERSION, "run", 1, 1, 2,
                PolicyAssembler.sha256(Arrays.copyOfRange(WEIGHTS, 10, 20)), "YYYYYYYYYY".getBytes(StandardCharsets.US_ASCII));
        PolicyChunk resent = chunk(1, 1, 2, Arrays.copyOfRange(WEIGHTS, 10, 20));
        assembler.offerManifest(manifest);
        assembler.offerChunk(first);
        assembler.offerChunk(corrupt);
        assertThat(assembler.takeFailure()).contains(1L);

        assertThat(assembler.verify(manifest, java.util.List.of(first, corrupt))).isEmpty();
        var assembled = assembler.verify(manifest, java.util.List.of(first, corrupt, resent));

        assertThat(assembled).isPresent();
        assertThat(assembled.get().weights()).isEqualTo(WEIGHTS);
    }

    @Test
    void storedFileIsCheckedForSizeAndDigest() {
        PolicyAssembler assembler = new PolicyAssembler("run");
        PolicyManifest stored = new PolicyManifest(Messages.SCHEMA_VERSION, "run", 4, 4, 3L, "safetensors",
                WEIGHTS.length, PolicyAssembler.sha256(WEIGHTS), 0, "file:///store/run/v4.safetensors", "{}");

        assertThat(assembler.verifyFile(stored, Arrays.copyOf(WEIGHTS, WEIGHTS.length + 1))).isEmpty();
        assertThat(assembler.verifyFile(stored, WEIGHTS)).isPresent();
        assertThat(assembler.wanted(stored)).as("assembled versions are not wanted again").isFalse();
    }

    @Test
    void ignoresOtherRunsAndOlderVersions() {
        PolicyAssembler assembler = new PolicyAssembler("run");
        assertThat(assembler.offerManifest(manifest(3, WEIGHTS, 1))).isEmpty();
        assertThat(assembler.offerChunk(chunk(3, 0, 1, WEIGHTS))).isPresent();

        assertThat(assembler.offerManifest(manifest(2, WEIGHTS, 1))).isEmpty();
        assertThat(assembler.offerChunk(chunk(2, 0, 1, WEIGHTS))).isEmpty();
        PolicyChunk foreign = new PolicyChunk(Messages.SCHEMA_VERSION, "other", 9, 0, 1, PolicyAssembler.sha256(WEIGHTS),
                WEIGHTS);
        assertThat(assembler.offerChunk(foreign)).isEmpty();
    }
}
