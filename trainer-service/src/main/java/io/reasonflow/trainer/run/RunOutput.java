package io.reasonflow.trainer.run;

import io.reasonflow.contracts.Messages;
import io.reasonflow.trainer.eval.EvalSamples;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * The files of a run's output directory: {@code metrics.jsonl} (one object per training step),
 * {@code eval.jsonl} (one object per evaluation), {@code summary.json}, {@code ledger.json} and
 * {@code checkpoints/}.
 * Each line is flushed as it is written, so a run that stops early leaves readable files.
 */
public class RunOutput implements AutoCloseable {
    static final String METRICS_FILE = "metrics.jsonl";
    static final String EVAL_FILE = "eval.jsonl";

    private final Path directory;
    private final BufferedWriter metrics;
    private final BufferedWriter evals;

    public RunOutput(Path directory) {
        this(directory, List.of(), List.of());
    }

    /**
     * Opens the output of a resumed run: {@code metrics.jsonl} and {@code eval.jsonl} are rewritten with the lines
     * the checkpoint kept, which drops the lines an interrupted attempt wrote after it.
     */
    public RunOutput(Path directory, List<String> metricsLines, List<String> evalLines) {
        this.directory = directory;
        try {
            Files.createDirectories(directory.resolve("checkpoints"));
            metrics = open(directory.resolve(METRICS_FILE));
            evals = open(directory.resolve(EVAL_FILE));
            writeLines(metrics, metricsLines);
            writeLines(evals, evalLines);
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
        appendLine(metrics, step, METRICS_FILE);
    }

    public void appendEval(Object evaluation) {
        appendLine(evals, evaluation, EVAL_FILE);
    }

    /** Copies {@code metrics.jsonl} and {@code eval.jsonl} as written so far into {@code target}, for a checkpoint. */
    public void copyLogsTo(Path target) {
        for (String name : List.of(METRICS_FILE, EVAL_FILE)) {
            try {
                Files.copy(directory.resolve(name), target.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy " + directory.resolve(name) + " to " + target + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /**
     * Writes {@code eval-samples/<stage>.jsonl}: a few sampled completions of the stage's evaluation, replaced when
     * the stage is evaluated again.
     */
    public void writeEvalSamples(String stage, List<Map<String, Object>> samples) {
        EvalSamples.write(directory, stage, samples);
    }

    /** Writes {@code ledger.json}: the training group ids by outcome. */
    public void writeLedger(Map<String, Object> groups) {
        writeJson(directory.resolve("ledger.json"), groups);
    }

    public void writeSummary(Map<String, Object> summary) {
        writeJson(directory.resolve("summary.json"), summary);
    }

    private static void writeJson(Path file, Map<String, Object> content) {
        try {
            Files.writeString(file, Messages.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(content),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeLines(BufferedWriter writer, List<String> lines) throws IOException {
        for (String line : lines) {
            writer.write(line);
            writer.newLine();
        }
        writer.flush();
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
