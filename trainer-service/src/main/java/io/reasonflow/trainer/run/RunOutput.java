package io.reasonflow.trainer.run;

import io.reasonflow.contracts.Messages;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The files of a run's output directory: {@code metrics.jsonl} (one object per training step),
 * {@code eval.jsonl} (one object per evaluation), {@code summary.json} and {@code checkpoints/}.
 * Each line is flushed as it is written, so a run that stops early leaves readable files.
 */
public class RunOutput implements AutoCloseable {
    private final Path directory;
    private final BufferedWriter metrics;
    private final BufferedWriter evals;

    public RunOutput(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory.resolve("checkpoints"));
            metrics = open(directory.resolve("metrics.jsonl"));
            evals = open(directory.resolve("eval.jsonl"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output directory " + directory + ": " + e.getMessage(), e);
        }
    }

    public Path directory() {
        return directory;
    }

    public Path checkpointDirectory(String name) {
        return directory.resolve("checkpoints").resolve(name);
    }

    public void appendMetrics(Map<String, Object> step) {
        appendLine(metrics, step, "metrics.jsonl");
    }

    public void appendEval(Object evaluation) {
        appendLine(evals, evaluation, "eval.jsonl");
    }

    public void writeSummary(Map<String, Object> summary) {
        Path file = directory.resolve("summary.json");
        try {
            Files.writeString(file, Messages.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private void appendLine(BufferedWriter writer, Object value, String name) {
        try {
            writer.write(Messages.mapper().writeValueAsString(value));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + directory.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private static BufferedWriter open(Path file) throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    @Override
    public void close() throws IOException {
        try (metrics; evals) {
            // both writers close, even when the first close fails
        }
    }
}
