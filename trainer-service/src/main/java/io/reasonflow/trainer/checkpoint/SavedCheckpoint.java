package io.reasonflow.trainer.checkpoint;

import io.reasonflow.model.checkpoint.Checkpoints;
import io.reasonflow.model.transformer.PolicyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A checkpoint read back for a resume: its directory, manifest and trainer state, and the files the run loads
 * from it.
 *
 * @param directory the checkpoint's directory
 * @param manifest  its manifest
 * @param state     its trainer state
 */
public record SavedCheckpoint(Path directory, CheckpointManifest manifest, TrainerState state) {

    /** Loads the policy weights. */
    public PolicyModel loadPolicy() {
        return Checkpoints.load(directory.resolve(CheckpointStore.MODEL_DIR));
    }

    /** Loads the KL reference policy. */
    public PolicyModel loadReference() {
        return Checkpoints.load(directory.resolve(CheckpointStore.REFERENCE_DIR));
    }

    /** Returns the optimizer state, absent for the checkpoint at the end of SFT. */
    public Optional<byte[]> optimizerState() {
        Path file = directory.resolve(CheckpointStore.OPTIMIZER_FILE);
        return Files.isRegularFile(file) ? Optional.of(read(file)) : Optional.empty();
    }

    /** Returns the lines of {@code metrics.jsonl} up to this checkpoint. */
    public List<String> metricsLines() {
        return lines("metrics.jsonl");
    }

    /** Returns the lines of {@code eval.jsonl} up to this checkpoint. */
    public List<String> evalLines() {
        return lines("eval.jsonl");
    }

    private List<String> lines(String name) {
        try {
            return Files.readAllLines(directory.resolve(name), StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + directory.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
