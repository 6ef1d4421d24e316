package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.checkpoint.Checkpoints;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.arithmetic.ArithmeticTask;
import io.reasonflow.tasks.arithmetic.Difficulty;
import io.reasonflow.tasks.arithmetic.Operation;
import io.reasonflow.tasks.prompt.PromptTemplate;
import io.reasonflow.tasks.split.HeldOutSplit;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code reasonflow distill}: usage errors, bad input, and a run from a traces file and a checkpoint. */
class DistillCommandTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return ReasonflowCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void helpListsOptions() {
        assertThat(run("distill", "--help")).isZero();
        assertThat(out.toString()).contains("--teacher-run", "--teacher", "--traces", "--teacher-samples",
                "--bootstrap-servers", "--kl-weight", "--distill");
    }

    @Test
    void missingTeacherIsUsageError() {
        assertThat(run("distill", "--traces", "traces.jsonl")).isEqualTo(2);
        assertThat(err.toString()).contains("--teacher-run").contains("--teacher DIR");
    }

    @Test
    void localBrokerNeedsCheckpointAndTraces() {
        assertThat(run("distill", "--teacher-run", "demo-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--bootstrap-servers").contains("--traces FILE");
    }

    @Test
    void teacherSamplesWithTracesIsUsageError() {
        assertThat(run("distill", "--teacher-run", "demo-1", "--traces", "t.jsonl", "--teacher-samples", "8",
                "--bootstrap-servers", "127.0.0.1:9")).isEqualTo(2);
        assertThat(err.toString()).contains("--teacher-samples").contains("--traces");
    }

    @Test
    void klWeightOutOfRangeIsUsageError() {
        assertThat(run("distill", "--teacher-run", "demo-1", "--bootstrap-servers", "127.0.0.1:9", "--kl-weight",
                "1.5")).isEqualTo(2);
        assertThat(err.toString()).contains("--kl-weight").contains("1.5");
    }

    @Test
    @Timeout(300)
    void emptyCompletionInTracesNamesLine(@TempDir Path dir) throws IOException {
        Path teacher = teacherCheckpoint(dir);
        Path traces = dir.resolve("traces.jsonl");
        Files.writeString(traces, "{\"prompt\": \"User: 1+1\\nAssistant: \", \"completion\": \"\", \"answer\": 2}\n");
        assertThat(run("distill", "--teacher", teacher.toString(), "--traces", traces.toString(), "--out",
                dir.resolve("out").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid input").contains(traces + ":1").contains("\"completion\" is empty");
    }

    @Test
    @Timeout(300)
    void distillsFromTracesFileAndCheckpoint(@TempDir Path dir) throws IOException {
        Path teacher = teacherCheckpoint(dir);
        Path traces = dir.resolve("traces.jsonl");
        List<TaskExample> examples = new ArithmeticTask(Difficulty.of(2, Operation.ADD, Operation.SUBTRACT))
                .generate(3, 6, new HeldOutSplit(0.1), HeldOutSplit.Side.TRAIN);
        List<String> lines = new ArrayList<>();
        for (TaskExample example : examples) {
            lines.add(line(example, example.referenceCompletion(), "stop"));
            lines.add(line(example, example.referenceCompletion().replace(">" + example.answer() + "<", ">0<"), "stop"));
            lines.add(line(example, example.referenceCompletion(), "length"));
        }
        Files.write(traces, lines);
        Path output = dir.resolve("out");

        int status = run("distill", "--teacher", teacher.toString(), "--traces", traces.toString(), "--out",
                output.toString(), "--smoke", "--distill", "training.steps=3", "--distill", "eval.max-new-tokens=16",
                "--distill", "task.eval-examples=4", "--distill", "student.max-parameter-ratio=0.5");

        assertThat(status).as("exit status; stderr: %s", err).isZero();
        assertThat(out.toString()).contains("Selection: kept 6 of 18 completions (6 prompts)")
                .contains("eval teacher").contains("eval student-distilled");
        JsonNode selection = Messages.mapper().readTree(output.resolve("selection.json").toFile());
        assertThat(selection.get("dropped").get("incorrect").asLong()).isEqualTo(6);
        assertThat(selection.get("dropped").get("truncated").asLong()).isEqualTo(6);
        assertThat(Files.readAllLines(output.resolve("eval.jsonl"))).hasSize(2);
        assertThat(Files.readAllLines(output.resolve("metrics.jsonl"))).hasSize(3);
        assertThat(output.resolve("checkpoints/student/config.json")).isRegularFile();
        JsonNode summary = Messages.mapper().readTree(output.resolve("summary.json").toFile());
        assertThat(summary.get("teacher_source").asString()).startsWith("checkpoint ");
        assertThat(summary.get("student_parameters").asLong()).isLessThan(summary.get("teacher_parameters").asLong());
    }

    private static String line(TaskExample example, String completion, String finish) {
        Map<String, Object> trace = new LinkedHashMap<>();
        trace.put("prompt", PromptTemplate.R1_ZERO_COMPACT.render(example.question()));
        trace.put("completion", completion);
        trace.put("answer", example.answer());
        trace.put("prompt_id", example.id());
        trace.put("finish_reason", finish);
        return Messages.mapper().writeValueAsString(trace);
    }

    private static Path teacherCheckpoint(Path dir) {
        Path checkpoint = dir.resolve("teacher");
        ModelConfig config = new ModelConfig(TOKENIZER.vocabSize(), 32, 2, 4, 2, 86, 512, 10_000.0, 1e-5, true,
                TOKENIZER.bosId(), TOKENIZER.eosId());
        try (PolicyModel model = PolicyModel.initialize(config, 5)) {
            Checkpoints.save(checkpoint, model);
        }
        return checkpoint;
    }
}
