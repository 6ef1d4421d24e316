package io.reasonflow.trainer.sft;

import io.reasonflow.contracts.Messages;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads cold-start SFT examples from a JSONL file: one object per line with {@code prompt} (the text
 * given to the model before its completion, template included) and {@code completion} (the reference
 * trace, for example {@code <think>...</think><answer>...</answer>}). Blank lines are skipped.
 */
public final class SftJsonl {
    private SftJsonl() {
    }

    /**
     * Reads and tokenizes every example.
     *
     * @throws IllegalArgumentException naming the file and line of the first malformed example, or
     *     when the file contains no example
     * @throws UncheckedIOException when the file cannot be read
     */
    public static List<SftPair> read(Path file, Tokenizer tokenizer) {
        List<SftPair> pairs = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file + ":" + number;
                JsonNode node;
                try {
                    node = Messages.mapper().readTree(line);
                } catch (JacksonException e) {
                    throw new IllegalArgumentException(where + ": not a JSON object (" + e.getOriginalMessage()
                            + "); each line needs \"prompt\" and \"completion\" strings");
                }
                String prompt = text(node, "prompt", where);
                String completion = text(node, "completion", where);
                if (completion.isEmpty()) {
                    throw new IllegalArgumentException(where + ": \"completion\" is empty; SFT trains on the "
                            + "completion's tokens, so each example needs some");
                }
                pairs.add(new SftPair(where, PromptTokens.encode(tokenizer, prompt), tokenizer.encode(completion)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SFT examples from " + file + ": " + e.getMessage(), e);
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException(file + " contains no SFT example; write one JSON object per line with "
                    + "\"prompt\" and \"completion\"");
        }
        return pairs;
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode value = node == null || !node.isObject() ? null : node.get(field);
        if (value == null || !value.isString()) {
            throw new IllegalArgumentException(where + ": \"" + field + "\" is missing or not a string; each line "
                    + "needs \"prompt\" and \"completion\" strings");
        }
        return value.asString();
    }
}
