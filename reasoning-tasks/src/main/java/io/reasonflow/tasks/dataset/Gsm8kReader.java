package io.reasonflow.tasks.dataset;

import io.reasonflow.tasks.TaskExample;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reader of GSM8K JSONL files, one {@code {"question": ..., "answer": ...}} object per line.
 *
 * <p>The {@code answer} field contains the worked solution and ends with a line {@code #### N}. Each
 * line becomes a {@link TaskExample} with task {@code gsm8k}, id {@code gsm8k-<file stem>-<index>}
 * (0-based index among non-blank lines), answer {@code N} with thousands separators removed, and a
 * reference completion made of the solution lines without the {@code <<48/2=24>>} calculator
 * annotations. Blank lines are skipped. Every failure is a {@link DatasetException} that names the
 * file and, for a bad line, its 1-based number.
 */
public final class Gsm8kReader {

    /** Task name stored in {@link TaskExample#task()}. */
    public static final String TASK_NAME = "gsm8k";

    private static final Logger log = LoggerFactory.getLogger(Gsm8kReader.class);
    private static final String ANSWER_MARKER = "#### ";

    private final JsonMapper mapper = JsonMapper.builder().build();

    /** Reads every example in {@code file}. */
    public List<TaskExample> read(Path file) {
        return read(file, Integer.MAX_VALUE);
    }

    /**
     * Reads at most {@code limit} examples from {@code file}, stopping before any further line.
     *
     * @param limit maximum number of examples (non-blank lines) to read, at least 0
     */
    public List<TaskExample> read(Path file, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit);
        }
        if (!Files.exists(file)) {
            throw new DatasetException(file, 0, "GSM8K file not found: " + file, null);
        }
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file, 0, "GSM8K path is not a regular file: " + file, null);
        }
        List<TaskExample> examples = readLines(file, limit);
        log.info("Read {} GSM8K examples from {}", examples.size(), file);
        return examples;
    }

    private List<TaskExample> readLines(Path file, int limit) {
        String stem = stemOf(file);
        List<TaskExample> examples = new ArrayList<>();
        long lineNumber = 0;
        try (Utf8LineReader reader = new Utf8LineReader(Files.newInputStream(file))) {
            while (examples.size() < limit) {
                String line = readLine(reader, file, lineNumber + 1);
                if (line == null) {
                    break;
                }
                lineNumber++;
                if (!line.isBlank()) {
                    String id = "gsm8k-" + stem + "-" + examples.size();
                    examples.add(parseLine(file, lineNumber, id, line));
                }
            }
        } catch (IOException e) {
            long failedLine = lineNumber + 1;
            throw new DatasetException(file, failedLine,
                    "Failed to read GSM8K file " + file + " at line " + failedLine + ": " + e, e);
        }
        return examples;
    }

    private static String readLine(Utf8LineReader reader, Path file, long lineNumber)
            throws IOException {
        try {
            return reader.readLine();
        } catch (CharacterCodingException e) {
            throw invalidLine(file, lineNumber, "not valid UTF-8", e);
        }
    }

    private TaskExample parseLine(Path file, long lineNumber, String id, String line) {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (JacksonException e) {
            throw invalidLine(file, lineNumber, "not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (node == null || !node.isObject()) {
            throw invalidLine(file, lineNumber, "expected a JSON object", null);
        }
        String question = requireString(file, lineNumber, node, "question");
        String solution = requireString(file, lineNumber, node, "answer");
        return toExample(file, lineNumber, id, question, solution);
    }

    private static TaskExample toExample(
            Path file, long lineNumber, String id, String question, String solution) {
        int markerLine = solution.lastIndexOf("\n" + ANSWER_MARKER);
        int markerStart = markerLine >= 0 ? markerLine + 1
                : solution.startsWith(ANSWER_MARKER) ? 0 : -1;
        if (markerStart < 0) {
            throw invalidLine(file, lineNumber, "field \"answer\" has no '" + ANSWER_MARKER
                    + "' line with the final answer", null);
        }
        String answer = solution.substring(markerStart + ANSWER_MARKER.length()).strip()
                .replace(",", "");
        if (answer.isEmpty() || answer.contains("\n")) {
            throw invalidLine(file, lineNumber, "the '" + ANSWER_MARKER
                    + "' line must be the last line and hold a non-empty answer", null);
        }
        String steps = CalculatorAnnotations.remove(solution.substring(0, markerStart)).strip();
        String reference = "<think>\n" + steps + "\n</think>\n<answer>" + answer + "</answer>";
        return new TaskExample(id, TASK_NAME, question.strip(), answer, reference);
    }

    private static String requireString(Path file, long lineNumber, JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw invalidLine(file, lineNumber, "missing field \"" + field + "\"", null);
        }
        if (!value.isString()) {
            throw invalidLine(file, lineNumber, "field \"" + field + "\" must be a string", null);
        }
        return value.stringValue();
    }

    private static DatasetException invalidLine(
            Path file, long lineNumber, String problem, Throwable cause) {
        return new DatasetException(file, lineNumber,
                "Invalid GSM8K line " + lineNumber + " in " + file + ": " + problem, cause);
    }

    private static String stemOf(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
