package io.reasonflow.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.trainer.TrainerProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SftJsonlTest {
    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        Path file = dir.resolve("sft.jsonl");
        Files.write(file, List.of(lines));
        return file;
    }

    @Test
    void readsPromptAndCompletionTokens() throws IOException {
        Path file = file("{\"prompt\": \"User: 1+1\\nAssistant: \", \"completion\": \"<answer>2</answer>\"}", "",
                "{\"prompt\": \"Q\", \"completion\": \"A\", \"source\": \"extra fields are ignored\"}");

        List<SftPair> pairs = SftJsonl.read(file, tokenizer);

        assertThat(pairs).hasSize(2);
        assertThat(pairs.get(0).id()).isEqualTo(file + ":1");
        assertThat(pairs.get(0).promptIds()[0]).isEqualTo(tokenizer.bosId());
        assertThat(pairs.get(0).promptIds()).hasSize(1 + "User: 1+1\nAssistant: ".length());
        assertThat(pairs.get(0).completionIds()).hasSize("<answer>2</answer>".length());
        assertThat(pairs.get(1).id()).isEqualTo(file + ":3");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{not json|:2: not a JSON object",
        "{\"prompt\": \"Q\"}|:2: \"completion\" is missing",
        "{\"prompt\": 3, \"completion\": \"A\"}|:2: \"prompt\" is missing or not a string",
        "{\"prompt\": \"Q\", \"completion\": \"\"}|:2: \"completion\" is empty",
        "[1, 2]|:2: \"prompt\" is missing"})
    void namesTheBadLine(String badLine, String message) throws IOException {
        Path file = file("{\"prompt\": \"Q\", \"completion\": \"A\"}", badLine);

        assertThatThrownBy(() -> SftJsonl.read(file, tokenizer)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file + message);
    }

    @Test
    void emptyFileIsAnError() throws IOException {
        Path file = file("", "  ");

        assertThatThrownBy(() -> SftJsonl.read(file, tokenizer)).hasMessageContaining("contains no SFT example");
    }

    @Test
    void emptyCompletionMaskNamesExample() {
        SftTrainer trainer = new SftTrainer(null, tokenizer, new TrainerProperties.Sft(1, 1, 0.01, null, 0, 0), 1);
        SftPair empty = new SftPair("traces.jsonl:7", new int[] {tokenizer.bosId(), 65}, new int[0]);

        assertThatThrownBy(() -> trainer.train(List.of(empty), (step, loss) -> { }))
                .hasMessageContaining("SFT example traces.jsonl:7 has no completion tokens");
    }
}
