package io.reasonflow.tasks.grading;

import io.reasonflow.tasks.dataset.Utf8LineReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Grades a JSONL file of completions offline, one JSON object per line.
 *
 * <p>Each input line holds {@code id} (any JSON value, copied to the output), {@code completion} (a
 * string) and {@code answer} (the reference answer, a string or a number). Each output line holds
 * {@code id}, {@code correct} ({@code true}, {@code false} or {@code null} as the accuracy grader
 * decides, whether or not {@code accuracy} is among the selected graders), {@code extracted} (the
 * answer text that was graded, or {@code null}) and {@code rewards} (the score of each selected
 * grader, by name, {@code null} where a grader could not grade). Blank lines are skipped. A line that
 * is not valid UTF-8 or JSON, is not an object or lacks a field is reported with its 1-based number
 * and skipped.
 */
public final class OfflineGrader {

    /** Graders used when none are selected. */
    public static final List<String> DEFAULT_GRADERS = List.of(AccuracyGrader.NAME, FormatGrader.NAME);

    /**
     * Counts of one run.
     *
     * @param graded lines graded
     * @param correct graded lines whose answer is correct
     * @param incorrect graded lines whose answer is wrong or missing
     * @param ungradable graded lines whose correctness is {@code null}: the reference answer could not
     *     be parsed or a limit was hit
     * @param limitHits the part of {@code ungradable} that hit a parsing or time limit
     * @param malformed lines reported and skipped
     */
    public record Summary(long graded, long correct, long incorrect, long ungradable, long limitHits,
            long malformed) {}

    private final JsonMapper mapper = JsonMapper.builder().build();
    private final AccuracyGrader accuracy;
    private final Map<String, Grader> graders = new LinkedHashMap<>();

    /**
     * Creates a grader that reports the graders named in {@code graderNames}, in that order.
     *
     * @throws IllegalArgumentException when the list is empty, repeats a name or names an unknown
     *     grader
     */
    public OfflineGrader(List<String> graderNames) {
        if (graderNames.isEmpty()) {
            throw new IllegalArgumentException("no grader selected, known graders are " + GraderCatalog.NAMES);
        }
        this.accuracy = new AccuracyGrader();
        for (String name : graderNames) {
            Grader grader = name.equals(AccuracyGrader.NAME) ? accuracy : GraderCatalog.create(name);
            if (graders.put(name, grader) != null) {
                throw new IllegalArgumentException("grader '" + name + "' is selected twice");
            }
        }
    }

    /**
     * Grades every line of {@code input} and writes one line per graded completion to {@code output}.
     * Closes neither stream.
     *
     * @param problems receives one message per malformed line, starting with {@code line N:}
     * @throws IOException when reading or writing fails
     */
    public Summary grade(InputStream input, Writer output, Consumer<String> problems) throws IOException {
        Counts counts = new Counts();
        Utf8LineReader reader = new Utf8LineReader(input);
        long lineNumber = 0;
        while (true) {
            String line;
            try {
                line = reader.readLine();
            } catch (CharacterCodingException e) {
                lineNumber++;
                counts.malformed++;
                problems.accept("line " + lineNumber + ": not valid UTF-8, skipped");
                continue;
            }
            if (line == null) {
                break;
            }
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String problem = gradeLine(line, output, counts);
            if (problem != null) {
                counts.malformed++;
                problems.accept("line " + lineNumber + ": " + problem + ", skipped");
            }
        }
        output.flush();
        return new Summary(counts.correct + counts.incorrect + counts.ungradable, counts.correct, counts.incorrect,
                counts.ungradable, counts.limitHits, counts.malformed);
    }

    /** Grades one line and writes its result, or returns what is wrong with the line. */
    private String gradeLine(String line, Writer output, Counts counts) throws IOException {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (JacksonException e) {
            return "not valid JSON (" + e.getOriginalMessage() + ")";
        }
        if (node == null || !node.isObject()) {
            return "expected a JSON object";
        }
        JsonNode id = node.get("id");
        JsonNode completion = node.get("completion");
        JsonNode answer = node.get("answer");
        if (id == null || id.isNull()) {
            return "missing field \"id\"";
        }
        if (completion == null || !completion.isString()) {
            return completion == null ? "missing field \"completion\"" : "field \"completion\" must be a string";
        }
        if (answer == null || !(answer.isString() || answer.isNumber())) {
            return answer == null ? "missing field \"answer\"" : "field \"answer\" must be a string or a number";
        }
        String completionText = completion.stringValue();
        String reference = answer.isString() ? answer.stringValue() : answer.asString();

        AccuracyGrader.Result result = accuracy.evaluate(completionText, reference);
        ObjectNode out = mapper.createObjectNode();
        out.set("id", id);
        Boolean correct = result.correct();
        if (correct == null) {
            out.putNull("correct");
        } else {
            out.put("correct", correct);
        }
        out.put("extracted", result.extracted());
        ObjectNode rewards = out.putObject("rewards");
        for (Map.Entry<String, Grader> entry : graders.entrySet()) {
            Double score = entry.getValue() == accuracy ? result.score()
                    : entry.getValue().grade(completionText, reference);
            rewards.put(entry.getKey(), score);
        }
        output.write(mapper.writeValueAsString(out));
        output.write('\n');
        counts.add(result);
        return null;
    }

    private static final class Counts {
        long correct;
        long incorrect;
        long ungradable;
        long limitHits;
        long malformed;

        void add(AccuracyGrader.Result result) {
            Boolean correctness = result.correct();
            if (correctness == null) {
                ungradable++;
                if (result.outcome() == AccuracyGrader.Outcome.LIMIT_EXCEEDED) {
                    limitHits++;
                }
            } else if (correctness) {
                correct++;
            } else {
                incorrect++;
            }
        }
    }
}
