package io.reasonflow.trainer.eval;

import io.reasonflow.contracts.Messages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The file {@code eval-samples/<stage>.jsonl} of a run's output directory: a few sampled completions of the
 * stage's evaluation, one JSON object per line with {@code group_id}, {@code prompt}, {@code completion} and
 * {@code correct}, as {@link EvalAggregator#examples} gives them. The recipe report shows them per stage.
 */
public final class EvalSamples {
    /** Completions kept per evaluated stage. */
    public static final int PER_STAGE = 4;

    private EvalSamples() {
    }

    /** Writes the samples of {@code stage} under {@code directory}, replacing those of an earlier evaluation. */
    public static void write(Path directory, String stage, List<Map<String, Object>> samples) {
        Path file = directory.resolve("eval-samples").resolve(stage + ".jsonl");
        try {
            Files.createDirectories(file.getParent());
            StringBuilder lines = new StringBuilder();
            for (Map<String, Object> sample : samples) {
                lines.append(Messages.mapper().writeValueAsString(sample)).append('\n');
            }
            Files.writeString(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("failed to write " + file + ": " + e.getMessage()
                    + "; check that the output directory is writable", e);
        }
    }
}
