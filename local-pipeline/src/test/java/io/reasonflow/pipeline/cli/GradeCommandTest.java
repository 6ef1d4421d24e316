package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reasonflow grade}: results, summary, malformed lines and usage errors with their exit codes. */
class GradeCommandTest {
    private static final String INPUT = """
            {"id": "q1", "completion": "<think>\\nadd them\\n</think>\\n<answer>\\\\boxed{42}</answer>", "answer": "42"}
            {"id": "q2", "completion": "so the answer is 7", "answer": "8"}
            {not json
            {"id": "q3", "completion": "<answer>5</answer>", "answer": "five"}
            """;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        return ReasonflowCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private Path input() throws IOException {
        return Files.writeString(dir.resolve("in.jsonl"), INPUT);
    }

    @Test
    void helpListsOptions() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("grade");
        assertThat(run("grade", "--help")).isZero();
        assertThat(out.toString()).contains("--input", "--output", "--graders", "format_partial");
    }

    @Test
    void resultsGoToStdoutAndSummaryToStderr() throws IOException {
        assertThat(run("grade", "--input", input().toString())).isZero();

        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo(
                "{\"id\":\"q1\",\"correct\":true,\"extracted\":\"\\\\boxed{42}\",\"rewards\":{\"accuracy\":1.0,\"format\":1.0}}");
        assertThat(lines.get(1)).isEqualTo(
                "{\"id\":\"q2\",\"correct\":false,\"extracted\":\"7\",\"rewards\":{\"accuracy\":0.0,\"format\":0.0}}");
        assertThat(lines.get(2)).isEqualTo(
                "{\"id\":\"q3\",\"correct\":null,\"extracted\":\"5\",\"rewards\":{\"accuracy\":null,\"format\":0.0}}");
        assertThat(err.toString()).contains("line 3: not valid JSON")
                .contains("Graded 3 completions: 1 correct, 1 incorrect, 1 ungradable (0 hit a limit); "
                        + "malformed lines skipped: 1");
    }

    @Test
    void outputFileAndSelectedGraders() throws IOException {
        Path results = dir.resolve("out.jsonl");

        assertThat(run("grade", "--input", input().toString(), "--output", results.toString(),
                "--graders", "format_partial,repetition")).isZero();

        List<String> lines = Files.readAllLines(results);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("\"correct\":true")
                .contains("\"rewards\":{\"format_partial\":1.0,\"repetition\":0.0}");
        assertThat(out.toString()).contains("Graded 3 completions: 1 correct");
    }

    @Test
    void missingInputIsUsageError() {
        Path missing = dir.resolve("nope.jsonl");

        assertThat(run("grade", "--input", missing.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("input file not found").contains(missing.toString());
        assertThat(run("grade")).isEqualTo(2);
        assertThat(err.toString()).contains("--input");
    }

    @Test
    void unknownOptionOrGraderIsUsageError() throws IOException {
        assertThat(run("grade", "--input", input().toString(), "--outptu", "x.jsonl")).isEqualTo(2);
        assertThat(err.toString()).contains("--outptu");
        assertThat(run("grade", "--input", input().toString(), "--graders", "accuracy,speed")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown grader 'speed'").contains("language_consistency");
    }
}
