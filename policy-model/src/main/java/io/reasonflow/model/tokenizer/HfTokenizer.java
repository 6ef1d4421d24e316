package io.reasonflow.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.reasonflow.model.files.AtomicFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (BPE, WordPiece, WordLevel or Unigram with its normalizer,
 * pre-tokenizer and decoder) run by DJL's binding of the Rust tokenizers library, whose native code ships inside
 * the DJL jar, so loading needs no network.
 *
 * <p>{@link #encode} adds no special tokens and {@link #decode} skips them, as the {@link Tokenizer} contract
 * specifies, and neither truncates nor pads. Special ids are resolved as described in {@link SpecialTokens}. The
 * native tokenizer is released by {@link #close()}.
 */
public final class HfTokenizer implements Tokenizer, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HfTokenizer.class);
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false",
            "truncation", "false",
            "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerFiles files;
    private final TokenVocabulary vocabulary;
    private final SpecialTokens special;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, TokenizerFiles files, TokenVocabulary vocabulary,
            SpecialTokens special) {
        this.tokenizer = tokenizer;
        this.files = files;
        this.vocabulary = vocabulary;
        this.special = special;
    }

    /** Returns whether {@code dir} contains a {@code tokenizer.json}. */
    public static boolean isPresent(Path dir) {
        return Files.isRegularFile(dir.resolve(TokenizerFiles.TOKENIZER));
    }

    /**
     * Loads the tokenizer of a Hugging Face model directory: {@code tokenizer.json} and, when present,
     * {@code tokenizer_config.json}, {@code special_tokens_map.json}, {@code config.json} and
     * {@code generation_config.json}.
     *
     * @throws UncheckedIOException     when tokenizer.json is missing or a file cannot be read; names the file
     * @throws IllegalArgumentException when a file is malformed or names an unknown token; names the file
     */
    public static HfTokenizer load(Path dir) {
        TokenizerFiles files = TokenizerFiles.read(dir);
        Path file = files.path(TokenizerFiles.TOKENIZER);
        TokenVocabulary vocabulary = TokenVocabulary.of(files.json(TokenizerFiles.TOKENIZER).orElseThrow(), file);
        SpecialTokens special = SpecialTokens.resolve(files, vocabulary);
        HuggingFaceTokenizer tokenizer;
        try {
            byte[] json = files.tokenizerJson().getBytes(StandardCharsets.UTF_8);
            tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), OPTIONS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": the tokenizers library rejected it: " + e.getMessage(), e);
        }
        LOG.info("Loaded tokenizer from {}: {} ids, BOS {}, EOS {}, PAD {}", dir, vocabulary.size(),
                special.bosId(), special.eosIds(), special.padId());
        return new HfTokenizer(tokenizer, files, vocabulary, special);
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = Math.toIntExact(ids[i]);
        }
        return result;
    }

    /**
     * Decodes ids to text, skipping special tokens, with the tokenizer's own decoder.
     *
     * @throws IllegalArgumentException for an id outside {@code [0, vocabSize())}
     */
    @Override
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabulary.size()) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary [0, "
                        + vocabulary.size() + ")");
            }
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, true);
    }

    /** Returns the id of a token string, such as {@code "<|im_end|>"}, if the vocabulary has it. */
    public OptionalInt tokenId(String token) {
        return vocabulary.id(token);
    }

    @Override
    public int vocabSize() {
        return vocabulary.size();
    }

    @Override
    public int bosId() {
        return special.bosId();
    }

    @Override
    public int eosId() {
        return special.eosId();
    }

    @Override
    public int padId() {
        return special.padId();
    }

    @Override
    public Set<Integer> eosIds() {
        return special.eosIds();
    }

    /**
     * Writes the tokenizer files it was loaded from ({@code tokenizer.json}, and {@code tokenizer_config.json},
     * {@code special_tokens_map.json}, {@code generation_config.json} when they existed) into {@code dir}
     * unchanged, each through a temporary file moved into place.
     */
    public void writeFiles(Path dir) {
        for (String name : TokenizerFiles.COPIED) {
            files.bytes(name).ifPresent(bytes -> AtomicFiles.write(dir.resolve(name), bytes));
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
