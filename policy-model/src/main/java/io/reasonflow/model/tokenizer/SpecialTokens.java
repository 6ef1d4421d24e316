package io.reasonflow.model.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The special token ids of a Hugging Face tokenizer directory, resolved the way transformers does.
 *
 * <p>Token strings come from {@code tokenizer_config.json}, overridden by {@code special_tokens_map.json}; each is a
 * string or an object with a {@code content} string, and its id is looked up in {@code tokenizer.json}. Where the
 * tokenizer names no token, the model's ids apply: {@code generation_config.json}, else {@code config.json}
 * ({@code bos_token_id}, {@code eos_token_id}, {@code pad_token_id}; the EOS id may be a list). Padding falls back to
 * EOS, as transformers' generation does.
 *
 * @param bosId  beginning-of-sequence id
 * @param eosId  the tokenizer's end-of-sequence id, else the model's first
 * @param padId  padding id
 * @param eosIds every end-of-sequence id: {@code eosId} first, then the ids of config.json and
 *               generation_config.json, in that order, without repeats
 */
record SpecialTokens(int bosId, int eosId, int padId, Set<Integer> eosIds) {

    SpecialTokens {
        eosIds = Collections.unmodifiableSet(new LinkedHashSet<>(eosIds));
    }

    /**
     * Resolves the ids.
     *
     * @throws IllegalArgumentException naming the file, when a token is not in the vocabulary, when an id field is
     *                                  not an integer or a list of integers, or when no file names a BOS or an EOS
     *                                  token
     */
    static SpecialTokens resolve(TokenizerFiles files, TokenVocabulary vocabulary) {
        OptionalInt bos = tokenizerToken(files, vocabulary, "bos_token");
        OptionalInt eos = tokenizerToken(files, vocabulary, "eos_token");
        OptionalInt pad = tokenizerToken(files, vocabulary, "pad_token");
        List<Integer> modelBos = modelIds(files, "bos_token_id");
        List<Integer> modelEos = modelIds(files, "eos_token_id");
        List<Integer> modelPad = modelIds(files, "pad_token_id");
        int bosId = first(bos, modelBos, files, "BOS");
        int eosId = first(eos, modelEos, files, "EOS");
        int padId = pad.isPresent() ? pad.getAsInt() : modelPad.isEmpty() ? eosId : modelPad.get(0);
        Set<Integer> eosIds = new LinkedHashSet<>();
        eosIds.add(eosId);
        for (String file : List.of(TokenizerFiles.MODEL_CONFIG, TokenizerFiles.GENERATION_CONFIG)) {
            eosIds.addAll(ids(files, file, "eos_token_id"));
        }
        return new SpecialTokens(bosId, eosId, padId, eosIds);
    }

    private static int first(OptionalInt tokenizerId, List<Integer> modelIds, TokenizerFiles files, String what) {
        if (tokenizerId.isPresent()) {
            return tokenizerId.getAsInt();
        }
        if (!modelIds.isEmpty()) {
            return modelIds.get(0);
        }
        throw new IllegalArgumentException("no " + what + " token in " + files.dir() + ": neither "
                + TokenizerFiles.TOKENIZER_CONFIG + ", " + TokenizerFiles.SPECIAL_TOKENS_MAP + ", "
                + TokenizerFiles.GENERATION_CONFIG + " nor " + TokenizerFiles.MODEL_CONFIG + " names one");
    }

    /** Looks up a token named in special_tokens_map.json or, failing that, tokenizer_config.json. */
    private static OptionalInt tokenizerToken(TokenizerFiles files, TokenVocabulary vocabulary, String key) {
        for (String file : List.of(TokenizerFiles.SPECIAL_TOKENS_MAP, TokenizerFiles.TOKENIZER_CONFIG)) {
            Optional<String> token = files.json(file).map(json -> json.get(key)).flatMap(value ->
                    tokenText(value, files, file, key));
            if (token.isPresent()) {
                OptionalInt id = vocabulary.id(token.get());
                if (id.isEmpty()) {
                    throw new IllegalArgumentException(files.path(file) + ": " + key + " \"" + token.get()
                            + "\" is not in " + TokenizerFiles.TOKENIZER);
                }
                return id;
            }
        }
        return OptionalInt.empty();
    }

    private static Optional<String> tokenText(JsonNode value, TokenizerFiles files, String file, String key) {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        JsonNode text = value.isObject() ? value.get("content") : value;
        if (text == null || !text.isString()) {
            throw new IllegalArgumentException(files.path(file) + ": " + key + " is " + value
                    + ", expected a string or an object with a string content");
        }
        return Optional.of(text.asString());
    }

    /** Returns the model's ids for {@code key}: generation_config.json when it names them, else config.json. */
    private static List<Integer> modelIds(TokenizerFiles files, String key) {
        List<Integer> generation = ids(files, TokenizerFiles.GENERATION_CONFIG, key);
        return generation.isEmpty() ? ids(files, TokenizerFiles.MODEL_CONFIG, key) : generation;
    }

    private static List<Integer> ids(TokenizerFiles files, String file, String key) {
        JsonNode value = files.json(file).map(json -> json.get(key)).orElse(null);
        List<Integer> ids = new ArrayList<>();
        if (value == null || value.isNull()) {
            return ids;
        }
        for (JsonNode element : value.isArray() ? value : List.of(value)) {
            if (!element.isIntegralNumber() || !element.canConvertToInt() || element.asInt() < 0) {
                throw new IllegalArgumentException(files.path(file) + ": " + key + " is " + value
                        + ", expected a token id or a list of token ids");
            }
            ids.add(element.asInt());
        }
        return ids;
    }
}
