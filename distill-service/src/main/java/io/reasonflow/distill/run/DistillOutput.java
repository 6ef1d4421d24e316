package io.reasonflow.distill.run;

import io.reasonflow.contracts.Messages;
import io.reasonflow.trainer.eval.EvalSamples;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * The files of a distillation run's output directory: {@code selection.json} (what rejection sampling kept and
 * dropped), {@code traces.jsonl} (the kept traces), {@code metrics.jsonl} (one object per student step),
 * {@code eval.jsonl} (one object per evaluation), {@code eval-samples/} (a few graded completions per evaluated
 * model), {@code summary.json} and {@code checkpoints/student}. Each line
 * is flushed as it is written, so a run that stops early leaves readable files.
 */
public class DistillOutput implements AutoCloseable {
    static final String SELECTION_FILE = "selection.json";
    static final String TRACES_FILE = "traces.jsonl";
    static final String METRICS_FILE = "metrics.jsonl";
    static final String EVAL_FILE = "eval.jsonl";
    static final String SUMMARY_FILE = "summary.json";

    private final Path directory;
    private final BufferedWriter metrics;
    private final BufferedWriter evals;

    /** Creates the directory if needed; the JSONL files of an earlier run there are replaced. */
    public DistillOutput(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory.resolve("checkpoints"));
            metrics = open(directory.resolve(METRICS_FILE));
            evals = open(directory.resolve(EVAL_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the output directory " + directory + ": " + e.getMessage(),
                    e);
        }
    }

    public Path directory() {
        return directory;
    }

    public Path tracesFile() {
        return directory.resolve(TRACES_FILE);
    }

    public Path studentCheckpoint() {
        return directory.resolve("checkpoints").resolve("student");
    }

    public void appendMetrics(Object step) {
        appendLine(metrics, step, METRICS_FILE);
    }

    public void appendEval(Object evaluation) {
        appendLine(evals, evaluation, EVAL_FILE);
    }

    /** Writes {@code eval-samples/<stage>.jsonl}: a few graded completions of the stage's evaluation. */
    public void writeEvalSamples(String stage, List<Map<String, Object>> samples) {
        EvalSamples.write(directory, stage, samples);
    }

    public void writeSelection(Map<String, Object> selection) {
        writeJson(directory.resolve(SELECTION_FILE), selection);
    }

    public void writeSummary(Map<String, Object> summary) {
        writeJson(directory.resolve(SUMMARY_FILE), summary);
    }

    private static void writeJson(Path file, Map<String, Object> content) {
        try {
            Files.writeString(file, Messages.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(content),
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
