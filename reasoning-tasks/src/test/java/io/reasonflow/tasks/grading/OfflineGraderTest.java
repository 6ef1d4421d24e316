package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class OfflineGraderTest {

    private final JsonMapper mapper = JsonMapper.builder().build();
    private final List<String> problems = new ArrayList<>();
    private final StringWriter output = new StringWriter();

    private OfflineGrader.Summary grade(List<String> graders, byte[] input) throws IOException {
        return new OfflineGrader(graders).grade(new ByteArrayInputStream(input), output, problems::add);
    }

    private List<JsonNode> outputLines() {
        return output.toString().lines().map(mapper::readTree).toList();
    }

    @Test
    void gradesEachLine() throws IOException {
        String input = """
                {"id": "a", "completion": "<think>x</think><answer>42</answer>", "answer": "42"}
                {"id": 2, "completion": "the answer is 41", "answer": 42}

                {"id": "c", "completion": "<answer>42</answer>", "answer": "forty-two"}
                """;

        OfflineGrader.Summary summary = grade(OfflineGrader.DEFAULT_GRADERS, input.getBytes(StandardCharsets.UTF_8));

        assertThat(summary).isEqualTo(new OfflineGrader.Summary(3, 1, 1, 1, 0, 0));
        List<JsonNode> lines = outputLines();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).get("id").stringValue()).isEqualTo("a");
        assertThat(lines.get(0).get("correct").booleanValue()).isTrue();
        assertThat(lines.get(0).get("extracted").stringValue()).isEqualTo("42");
        assertThat(lines.get(0).get("rewards").get("accuracy").doubleValue()).isEqualTo(1.0);
        assertThat(lines.get(0).get("rewards").get("format").doubleValue()).isEqualTo(1.0);
        assertThat(lines.get(1).get("id").intValue()).isEqualTo(2);
        assertThat(lines.get(1).get("correct").booleanValue()).isFalse();
        assertThat(lines.get(1).get("extracted").stringValue()).isEqualTo("41");
        assertThat(lines.get(2).get("correct").isNull()).isTrue();
        assertThat(lines.get(2).get("rewards").get("accuracy").isNull()).isTrue();
        assertThat(problems).isEmpty();
    }

    @Test
    void selectedGradersOnlyAreReported() throws IOException {
        String input = "{\"id\": 1, \"completion\": \"<answer>7</answer>\", \"answer\": \"7\"}\n";

        grade(List.of("format_partial", "repetition"), input.getBytes(StandardCharsets.UTF_8));

        JsonNode line = outputLines().get(0);
        assertThat(line.get("correct").booleanValue()).isTrue();
        assertThat(line.get("rewards").propertyNames()).containsExactly("format_partial", "repetition");
        assertThat(line.get("rewards").get("format_partial").doubleValue()).isEqualTo(0.5);
    }

    @Test
    void malformedLinesAreReportedAndSkipped() throws IOException {
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes("""
                {"id": 1, "completion": "<answer>1</answer>", "answer": "1"}
                {not json
                [1, 2]
                {"completion": "x", "answer": "1"}
                {"id": 5, "answer": "1"}
                {"id": 6, "completion": 3, "answer": "1"}
                {"id": 7, "completion": "x", "answer": [1]}
                """.getBytes(StandardCharsets.UTF_8));
        input.write(new byte[] {'{', (byte) 0xC3, '}', '\n'});
        input.writeBytes("{\"id\": 9, \"completion\": \"<answer>2</answer>\", \"answer\": \"1\"}\n"
                .getBytes(StandardCharsets.UTF_8));

        OfflineGrader.Summary summary = grade(OfflineGrader.DEFAULT_GRADERS, input.toByteArray());

        assertThat(summary.graded()).isEqualTo(2);
        assertThat(summary.malformed()).isEqualTo(7);
        assertThat(problems).hasSize(7);
        assertThat(problems.get(0)).startsWith("line 2: not valid JSON");
        assertThat(problems.get(1)).startsWith("line 3: expected a JSON object");
        assertThat(problems.get(2)).startsWith("line 4: missing field \"id\"");
        assertThat(problems.get(3)).startsWith("line 5: missing field \"completion\"");
        assertThat(problems.get(4)).startsWith("line 6: field \"completion\" must be a string");
        assertThat(problems.get(5)).startsWith("line 7: field \"answer\" must be a string or a number");
        assertThat(problems.get(6)).startsWith("line 8: not valid UTF-8");
        assertThat(outputLines()).extracting(line -> line.get("id").intValue()).containsExactly(1, 9);
    }

    @Test
    void invalidGraderSelectionIsRejected() {
        assertThatThrownBy(() -> new OfflineGrader(List.of())).hasMessageContaining("no grader");
        assertThatThrownBy(() -> new OfflineGrader(List.of("speed"))).hasMessageContaining("speed");
        assertThatThrownBy(() -> new OfflineGrader(List.of("format", "format"))).hasMessageContaining("twice");
    }
}
