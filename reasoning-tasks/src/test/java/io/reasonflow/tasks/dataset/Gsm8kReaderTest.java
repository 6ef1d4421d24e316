package io.reasonflow.tasks.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.reasonflow.tasks.TaskExample;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Gsm8kReaderTest {

    private static final String NATALIA_LINE = "{\"question\": \"Natalia sold clips to 48 of her friends"
            + " in April, and then she sold half as many clips in May. How many clips did Natalia sell"
            + " altogether in April and May?\", \"answer\": \"Natalia sold 48/2 = <<48/2=24>>24 clips in"
            + " May.\\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\\n#### 72\"}";

    private final Gsm8kReader reader = new Gsm8kReader();

    @TempDir
    Path tempDir;

    @Test
    void realTrainSplitHasAllLines() {
        List<TaskExample> examples = reader.read(realFile("train.jsonl"));

        assertThat(examples).hasSize(7473);
        TaskExample first = examples.get(0);
        assertThat(first.id()).isEqualTo("gsm8k-train-0");
        assertThat(first.task()).isEqualTo("gsm8k");
        assertThat(first.question()).startsWith("Natalia sold clips to 48 of her friends");
        assertThat(first.answer()).isEqualTo("72");
        assertThat(first.referenceCompletion()).isEqualTo("<think>\nNatalia sold 48/2 = 24 clips in May.\n"
                + "Natalia sold 48+24 = 72 clips altogether in April and May.\n</think>\n<answer>72</answer>");
    }

    @Test
    void realTrainSplitRemovesThousandsSeparators() {
        List<TaskExample> examples = reader.read(realFile("train.jsonl"));

        // Line 346 of train.jsonl ends with "#### 1,080".
        assertThat(examples.get(345).answer()).isEqualTo("1080");
        assertThat(examples).allMatch(e -> !e.answer().contains(","));
        assertThat(examples).allMatch(e -> !e.referenceCompletion().contains("<<"));
    }

    @Test
    void realTestSplitHasAllLines() {
        List<TaskExample> examples = reader.read(realFile("test.jsonl"));

        assertThat(examples).hasSize(1319);
        assertThat(examples.get(0).id()).isEqualTo("gsm8k-test-0");
        assertThat(examples.get(0).answer()).isEqualTo("18");
    }

    @Test
    void limitStopsReading() {
        List<TaskExample> examples = reader.read(realFile("test.jsonl"), 5);

        assertThat(examples).hasSize(5);
        assertThat(reader.read(realFile("test.jsonl"), 0)).isEmpty();
    }

    @Test
    void blankLinesAreSkipped() throws IOException {
        Path file = write("blank.jsonl", "\n" + NATALIA_LINE + "\n   \n" + NATALIA_LINE + "\n\n");

        List<TaskExample> examples = reader.read(file);

        assertThat(examples).extracting(TaskExample::id).containsExactly("gsm8k-blank-0", "gsm8k-blank-1");
    }

    @Test
    void annotationsAreRemovedOnlyWhenClosed() throws IOException {
        String line = "{\"question\": \"q\", \"answer\": \"a <<1+1=2>>2 and 3 << 4\\n#### 1,234,567\"}";
        Path file = write("annotations.jsonl", line);

        TaskExample example = reader.read(file).get(0);

        assertThat(example.answer()).isEqualTo("1234567");
        assertThat(example.referenceCompletion())
                .isEqualTo("<think>\na 2 and 3 << 4\n</think>\n<answer>1234567</answer>");
    }

    @Test
    void invalidJsonNamesFileAndLine() throws IOException {
        Path file = write("bad.jsonl", NATALIA_LINE + "\n\n{not json\n");

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOfSatisfying(DatasetException.class, e -> {
                    assertThat(e.lineNumber()).isEqualTo(3);
                    assertThat(e.file()).isEqualTo(file);
                })
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 3")
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void missingQuestionNamesLine() throws IOException {
        Path file = write("noq.jsonl", NATALIA_LINE + "\n{\"answer\": \"x\\n#### 1\"}\n");

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 2")
                .hasMessageContaining("missing field \"question\"");
    }

    @Test
    void missingAnswerNamesLine() throws IOException {
        Path file = write("noa.jsonl", "{\"question\": \"q\"}\n");

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("missing field \"answer\"");
    }

    @Test
    void nonStringFieldNamesLine() throws IOException {
        Path file = write("number.jsonl", "{\"question\": 5, \"answer\": \"#### 5\"}\n");

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("field \"question\" must be a string");
    }

    @Test
    void missingMarkerNamesLine() throws IOException {
        Path file = write("nomarker.jsonl", NATALIA_LINE + "\n" + NATALIA_LINE + "\n"
                + "{\"question\": \"q\", \"answer\": \"no final line 72\"}\n");

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 3")
                .hasMessageContaining("####");
    }

    @Test
    void emptyFinalAnswerNamesLine() throws IOException {
        Path file = write("empty.jsonl", "{\"question\": \"q\", \"answer\": \"steps\\n#### \"}\n");

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("non-empty answer");
    }

    @Test
    void arrayLineIsRejected() throws IOException {
        Path file = write("array.jsonl", "[1, 2]\n");

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("expected a JSON object");
    }

    @Test
    void missingFileIsReported() {
        Path file = tempDir.resolve("absent.jsonl");

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.lineNumber()).isZero())
                .hasMessageContaining("not found")
                .hasMessageContaining(file.toString());
    }

    @Test
    void directoryIsReported() {
        assertThatThrownBy(() -> reader.read(tempDir))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("not a regular file")
                .hasMessageContaining(tempDir.toString());
    }

    @Test
    void invalidUtf8NamesLine() throws IOException {
        Path file = tempDir.resolve("latin1.jsonl");
        byte[] first = (NATALIA_LINE + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] second = {'{', '"', 'q', (byte) 0xFF, '"', '}', '\n'};
        byte[] content = new byte[first.length + second.length];
        System.arraycopy(first, 0, content, 0, first.length);
        System.arraycopy(second, 0, content, first.length, second.length);
        Files.write(file, content);

        assertThatThrownBy(() -> reader.read(file))
                .isInstanceOfSatisfying(DatasetException.class, e -> assertThat(e.lineNumber()).isEqualTo(2))
                .hasMessageContaining("not valid UTF-8")
                .hasMessageContaining("line 2")
                .hasMessageContaining(file.toString());
    }

    @Test
    void negativeLimitIsRejected() throws IOException {
        Path file = write("one.jsonl", NATALIA_LINE);

        assertThatThrownBy(() -> reader.read(file, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    private Path write(String name, String content) throws IOException {
        Path file = tempDir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static Path realFile(String name) {
        String directory = System.getProperty("gsm8k.dir");
        assumeTrue(directory != null, "system property gsm8k.dir is not set");
        Path file = Path.of(directory, name);
        assumeTrue(Files.isRegularFile(file), "GSM8K file not present: " + file);
        return file;
    }
}
