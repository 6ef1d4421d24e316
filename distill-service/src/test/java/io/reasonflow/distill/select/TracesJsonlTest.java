package io.reasonflow.distill.select;

import static io.reasonflow.distill.select.TraceFixtures.TOKENIZER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.contracts.FinishReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TracesJsonlTest {

    @Test
    void readsFieldsAndDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("traces.jsonl");
        Files.writeString(file, """
                {"prompt": "User: 1+1\\nAssistant: ", "completion": "<think>1+1=2</think><answer>2</answer>", "answer": 2}

                {"prompt": "P", "completion": "C", "answer": "3", "prompt_id": "x-1", "finish_reason": "length"}
                """);
        List<Trace> traces = new ArrayList<>();
        assertThat(TracesJsonl.read(file, TOKENIZER, traces::add)).isEqualTo(2);
        assertThat(traces.get(0).answer()).isEqualTo("2");
        assertThat(traces.get(0).finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(traces.get(0).promptId()).isEqualTo("line 1");
        assertThat(traces.get(0).id()).isEqualTo(file + ":1");
        assertThat(traces.get(0).completionIds()).isEqualTo(TOKENIZER.encode("<think>1+1=2</think><answer>2</answer>"));
        assertThat(traces.get(1).promptId()).isEqualTo("x-1");
        assertThat(traces.get(1).finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(traces.get(1).id()).endsWith(":3");
    }

    @Test
    void emptyCompletionNamesLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("traces.jsonl");
        Files.writeString(file, "{\"prompt\": \"P\", \"completion\": \"C\", \"answer\": \"1\"}\n"
                + "{\"prompt\": \"P\", \"completion\": \"\", \"answer\": \"1\"}\n");
        assertThatThrownBy(() -> TracesJsonl.read(file, TOKENIZER, trace -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file + ":2")
                .hasMessageContaining("\"completion\" is empty");
    }

    @Test
    void missingAnswerNamesLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("traces.jsonl");
        Files.writeString(file, "{\"prompt\": \"P\", \"completion\": \"C\"}\n");
        assertThatThrownBy(() -> TracesJsonl.read(file, TOKENIZER, trace -> { }))
                .hasMessageContaining(file + ":1").hasMessageContaining("\"answer\"");
    }

    @Test
    void invalidFinishReasonNamesLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("traces.jsonl");
        Files.writeString(file, "{\"prompt\": \"P\", \"completion\": \"C\", \"answer\": 1, \"finish_reason\": \"eos\"}\n");
        assertThatThrownBy(() -> TracesJsonl.read(file, TOKENIZER, trace -> { }))
                .hasMessageContaining(file + ":1").hasMessageContaining("\"stop\" or \"length\"");
    }

    @Test
    void notJsonNamesLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("traces.jsonl");
        Files.writeString(file, "not json\n");
        assertThatThrownBy(() -> TracesJsonl.read(file, TOKENIZER, trace -> { }))
                .hasMessageContaining(file + ":1").hasMessageContaining("not a JSON object");
    }

    @Test
    void fileWithoutTracesRejected(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("traces.jsonl");
        Files.writeString(file, "\n\n");
        assertThatThrownBy(() -> TracesJsonl.read(file, TOKENIZER, trace -> { }))
                .hasMessageContaining("contains no trace");
    }

    @Test
    void writtenTracesReadBack(@TempDir Path dir) {
        Path file = dir.resolve("kept.jsonl");
        Trace trace = TraceFixtures.correct("k");
        TracesJsonl.write(file, List.of(trace));
        List<Trace> read = new ArrayList<>();
        TracesJsonl.read(file, TOKENIZER, read::add);
        assertThat(read).hasSize(1);
        assertThat(read.get(0).prompt()).isEqualTo(trace.prompt());
        assertThat(read.get(0).completion()).isEqualTo(trace.completion());
        assertThat(read.get(0).answer()).isEqualTo("17");
        assertThat(read.get(0).promptId()).isEqualTo(trace.promptId());
    }
}
