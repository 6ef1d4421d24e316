package io.reasonflow.model.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The files of a Hugging Face tokenizer directory, read once and kept verbatim so that they can be written into a
 * checkpoint unchanged: {@code tokenizer.json} (required) and, when present, {@code tokenizer_config.json},
 * {@code special_tokens_map.json}, {@code config.json} and {@code generation_config.json}, the last two only for
 * their special token ids.
 */
final class TokenizerFiles {
    static final String TOKENIZER = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    static final String MODEL_CONFIG = "config.json";
    static final String GENERATION_CONFIG = "generation_config.json";
    /** The files a checkpoint receives; config.json is the model's and is written from its config. */
    static final List<String> COPIED = List.of(TOKENIZER, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP, GENERATION_CONFIG);

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Path dir;
    private final Map<String, byte[]> contents;
    private final Map<String, JsonNode> parsed;

    private TokenizerFiles(Path dir, Map<String, byte[]> contents, Map<String, JsonNode> parsed) {
        this.dir = dir;
        this.contents = contents;
        this.parsed = parsed;
    }

    /**
     * Reads the files of {@code dir}.
     *
     * @throws UncheckedIOException     when tokenizer.json is missing or a file cannot be read; names the file
     * @throws IllegalArgumentException when a file is not a JSON object; names the file and the parser's reason
     */
    static TokenizerFiles read(Path dir) {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        Map<String, JsonNode> parsed = new LinkedHashMap<>();
        for (String name : List.of(TOKENIZER, TOKENIZER_CONFIG, SPECIAL_TOKENS_MAP, MODEL_CONFIG, GENERATION_CONFIG)) {
            Path file = dir.resolve(name);
            if (!name.equals(TOKENIZER) && !Files.exists(file)) {
                continue;
            }
            byte[] bytes = readBytes(file);
            contents.put(name, bytes);
            parsed.put(name, parse(file, bytes));
        }
        return new TokenizerFiles(dir, Collections.unmodifiableMap(contents), Collections.unmodifiableMap(parsed));
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no Hugging Face tokenizer: " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static JsonNode parse(Path file, byte[] bytes) {
        JsonNode node;
        try {
            node = MAPPER.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object");
        }
        return node;
    }

    /** Returns the directory the files came from. */
    Path dir() {
        return dir;
    }

    /** Returns the path of {@code name} inside the directory, for messages. */
    Path path(String name) {
        return dir.resolve(name);
    }

    /** Returns the parsed JSON object of {@code name}, or empty when the file is absent. */
    Optional<JsonNode> json(String name) {
        return Optional.ofNullable(parsed.get(name));
    }

    /** Returns the verbatim bytes of {@code name}, or empty when the file is absent. */
    Optional<byte[]> bytes(String name) {
        return Optional.ofNullable(contents.get(name)).map(byte[]::clone);
    }

    /** Returns the tokenizer.json text. */
    String tokenizerJson() {
        return new String(contents.get(TOKENIZER), StandardCharsets.UTF_8);
    }
}
