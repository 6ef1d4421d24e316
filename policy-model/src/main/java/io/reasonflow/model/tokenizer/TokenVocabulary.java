package io.reasonflow.model.tokenizer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import tools.jackson.databind.JsonNode;

/**
 * The token-to-id table of a {@code tokenizer.json}: its {@code added_tokens} (special tokens and user additions)
 * and the model's {@code vocab}, an object of token to id (BPE, WordPiece, WordLevel) or a list of
 * {@code [piece, score]} pairs whose index is the id (Unigram).
 */
final class TokenVocabulary {
    private final Map<String, Integer> added = new HashMap<>();
    private final Map<String, Integer> model = new HashMap<>();
    private int size;

    private TokenVocabulary() {
    }

    /**
     * Reads the table from the parsed tokenizer.json.
     *
     * @param file the file's path, for messages
     * @throws IllegalArgumentException when {@code model.vocab} is missing or an entry is malformed
     */
    static TokenVocabulary of(JsonNode tokenizerJson, Path file) {
        TokenVocabulary vocabulary = new TokenVocabulary();
        JsonNode addedTokens = tokenizerJson.path("added_tokens");
        for (JsonNode token : addedTokens) {
            JsonNode id = token.get("id");
            JsonNode content = token.get("content");
            if (id == null || !id.canConvertToInt() || content == null || !content.isString()) {
                throw new IllegalArgumentException(file + ": added_tokens entry " + token + " needs an integer id "
                        + "and a string content");
            }
            vocabulary.put(vocabulary.added, content.asString(), id.asInt());
        }
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                if (!entry.getValue().canConvertToInt()) {
                    throw new IllegalArgumentException(file + ": model.vocab maps \"" + entry.getKey() + "\" to "
                            + entry.getValue() + ", expected an integer id");
                }
                vocabulary.put(vocabulary.model, entry.getKey(), entry.getValue().asInt());
            }
        } else if (vocab.isArray()) {
            for (int id = 0; id < vocab.size(); id++) {
                vocabulary.put(vocabulary.model, vocab.get(id).path(0).asString(""), id);
            }
        } else {
            throw new IllegalArgumentException(file + ": model.vocab is missing or neither an object nor a list");
        }
        return vocabulary;
    }

    private void put(Map<String, Integer> table, String token, int id) {
        table.putIfAbsent(token, id);
        size = Math.max(size, id + 1);
    }

    /** Returns the id of {@code token}, looking at the added tokens first, as the tokenizer does. */
    OptionalInt id(String token) {
        Integer id = added.containsKey(token) ? added.get(token) : model.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Returns one more than the largest id, the number of ids the tokenizer can produce. */
    int size() {
        return size;
    }
}
