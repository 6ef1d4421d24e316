package io.reasonflow.distill.select;

import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.model.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Traces as JSONL, one object per line: {@code prompt} (the whole text given to the model before its completion,
 * template included), {@code completion}, {@code answer} (the reference answer, a string or a number), and
 * optionally {@code prompt_id} and {@code finish_reason} ({@code stop}, the default, or {@code length}). Blank
 * lines are skipped. {@link #write} writes the same fields, so a file of kept traces can be selected from again,
 * and the trainer's {@code sft.dataset} reads its {@code prompt} and {@code completion}.
 */
public final class TracesJsonl {
    private TracesJsonl() {
    }

    /**
     * Reads every trace and hands it to {@code sink} in file order, tokenizing the completion.
     *
     * @return the number of traces read
     * @throws IllegalArgumentException naming the file and line of the first malformed trace, one with an empty
     *                                  completion, or a file without traces
     * @throws UncheckedIOException     when the file cannot be read
     */
    public static long read(Path file, Tokenizer tokenizer, Consumer<Trace> sink) {
        long count = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                if (!line.isBlank()) {
                    sink.accept(parse(line, file + ":" + number, number, tokenizer));
                    count++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read traces from " + file + ": " + e.getMessage(), e);
        }
        if (count == 0) {
            throw new IllegalArgumentException(file + " contains no trace; write one JSON object per line with "
                    + "\"prompt\", \"completion\" and \"answer\"");
        }
        return count;
    }

    private static Trace parse(String line, String where, int number, Tokenizer tokenizer) {
        JsonNode node;
        try {
            node = Messages.mapper().readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(where + ": not a JSON object (" + e.getOriginalMessage()
                    + "); each line needs \"prompt\", \"completion\" and \"answer\"");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + ": not a JSON object; each line needs \"prompt\", "
                    + "\"completion\" and \"answer\"");
        }
        String prompt = text(node, "prompt", where);
        String completion = text(node, "completion", where);
        if (completion.isEmpty()) {
            throw new IllegalArgumentException(where + ": \"completion\" is empty, so its loss mask would be empty; "
                    + "remove the line or give it the teacher's completion");
        }
        JsonNode answer = node.get("answer");
        if (answer == null || !(answer.isString() || answer.isNumber())) {
            throw new IllegalArgumentException(where + ": \"answer\" is missing or neither a string nor a number; "
                    + "correctness is checked against it");
        }
        JsonNode promptId = node.get("prompt_id");
        String id = promptId == null || promptId.isNull() ? "line " + number : promptId.asString();
        return new Trace(where, String.format("%012d", number), id, prompt, answer.asString(), completion,
                tokenizer.encode(completion), finishReason(node.get("finish_reason"), where));
    }

    private static FinishReason finishReason(JsonNode value, String where) {
        if (value == null || value.isNull()) {
            return FinishReason.STOP;
        }
        String name = value.isString() ? value.asString().toUpperCase(Locale.ROOT) : "";
        try {
            return FinishReason.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": \"finish_reason\" is " + value + ", expected \"stop\" or "
                    + "\"length\"");
        }
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isString()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" is missing or not a string; each line "
                    + "needs \"prompt\", \"completion\" and \"answer\"");
        }
        return value.asString();
    }

    /** Writes {@code traces} to {@code file}, replacing it. */
    public static void write(Path file, List<Trace> traces) {
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Trace trace : traces) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("id", trace.id());
                line.put("prompt_id", trace.promptId());
                line.put("prompt", trace.prompt());
                line.put("completion", trace.completion());
                line.put("answer", trace.answer());
                line.put("finish_reason", trace.finishReason().name().toLowerCase(Locale.ROOT));
                writer.write(Messages.mapper().writeValueAsString(line));
                writer.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write traces to " + file + ": " + e.getMessage(), e);
        }
    }
}
