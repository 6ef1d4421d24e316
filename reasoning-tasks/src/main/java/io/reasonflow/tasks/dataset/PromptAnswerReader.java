package io.reasonflow.tasks.dataset;

import io.reasonflow.tasks.TaskExample;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reader of generic question-and-answer JSONL files, one object per line with {@code question} (or
 * {@code prompt}) and {@code answer}, the exact final answer, plus an optional {@code solution}: the
 * worked reasoning the model should learn in cold-start SFT. Each line becomes a {@link TaskExample} of
 * task {@code jsonl} with id {@code <file stem>-<index>}; with a solution, its reference completion is
 * {@code <think>solution</think>} followed by {@code <answer>answer</answer>}. Blank lines are skipped;
 * a bad line is a {@link DatasetException} naming the file and the line.
 */
public final class PromptAnswerReader {
    /** Task name stored in {@link TaskExample#task()}. */
    public static final String TASK_NAME = "jsonl";

    private final JsonMapper mapper = JsonMapper.builder().build();

    /** Reads every example in {@code file}. */
    public List<TaskExample> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file, 0, "JSONL file not found or not a regular file: " + file, null);
        }
        String name = file.getFileName().toString();
        String stem = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
        List<TaskExample> examples = new ArrayList<>();
        long lineNumber = 0;
        try (Utf8LineReader reader = new Utf8LineReader(Files.newInputStream(file))) {
            String line;
            while ((line = nextLine(reader, file, lineNumber + 1)) != null) {
                lineNumber++;
                if (!line.isBlank()) {
                    examples.add(parse(file, lineNumber, stem + "-" + examples.size(), line));
                }
            }
        } catch (IOException e) {
            throw new DatasetException(file, lineNumber + 1, "Failed to read " + file + " at line " + (lineNumber + 1)
                    + ": " + e, e);
        }
        if (examples.isEmpty()) {
            throw new DatasetException(file, 0, file + " contains no examples; expected one JSON object per line with "
                    + "\"question\" and \"answer\"", null);
        }
        return examples;
    }

    private static String nextLine(Utf8LineReader reader, Path file, long lineNumber) throws IOException {
        try {
            return reader.readLine();
        } catch (CharacterCodingException e) {
            throw invalid(file, lineNumber, "not valid UTF-8", e);
        }
    }

    private TaskExample parse(Path file, long lineNumber, String id, String line) {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (JacksonException e) {
            throw invalid(file, lineNumber, "not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (node == null || !node.isObject()) {
            throw invalid(file, lineNumber, "expected a JSON object", null);
        }
        String question = text(node, "question");
        if (question == null) {
            question = text(node, "prompt");
        }
        if (question == null || question.isBlank()) {
            throw invalid(file, lineNumber, "missing string field \"question\" (or \"prompt\")", null);
        }
        JsonNode answerNode = node.get("answer");
        if (answerNode == null || !(answerNode.isString() || answerNode.isNumber()) || answerNode.asString().isBlank()) {
            throw invalid(file, lineNumber, "missing field \"answer\" (a string or a number: the exact final answer)",
                    null);
        }
        String answer = answerNode.asString().strip();
        String solution = text(node, "solution");
        String reference = solution == null || solution.isBlank() ? null
                : "<think>\n" + solution.strip() + "\n</think>\n<answer>" + answer + "</answer>";
        return new TaskExample(id, TASK_NAME, question.strip(), answer, reference);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() ? value.stringValue() : null;
    }

    private static DatasetException invalid(Path file, long lineNumber, String problem, Throwable cause) {
        return new DatasetException(file, lineNumber, "Invalid line " + lineNumber + " in " + file + ": " + problem,
                cause);
    }
}
