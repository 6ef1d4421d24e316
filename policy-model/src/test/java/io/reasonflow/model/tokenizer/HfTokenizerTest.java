package io.reasonflow.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {

    static Path wordLevelDir() {
        try {
            return Path.of(HfTokenizerTest.class.getResource("/tokenizers/wordlevel/tokenizer.json").toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies the test tokenizer into {@code dir} so a test can change its files. */
    static Path copyOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(wordLevelDir())) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        return dir;
    }

    @Test
    void encodeAndDecodeSkipSpecials() {
        try (HfTokenizer tokenizer = HfTokenizer.load(wordLevelDir())) {
            // The post-processor would prepend <s>; the Tokenizer contract encodes the text alone.
            assertThat(tokenizer.encode("the cat sat on the mat.")).containsExactly(5, 6, 7, 8, 5, 9, 10);
            assertThat(tokenizer.encode("1 + 1 = 2 dog")).containsExactly(11, 12, 11, 13, 14, 0);
            assertThat(tokenizer.encode("the cat</s>")).containsExactly(5, 6, 2);
            assertThat(tokenizer.decode(new int[] {1, 5, 6, 7, 2, 3})).isEqualTo("the cat sat");
            assertThat(tokenizer.vocabSize()).isEqualTo(16);
            assertThat(tokenizer.tokenId("<|im_end|>")).hasValue(4);
            assertThat(tokenizer.tokenId("dog")).isEmpty();
        }
    }

    @Test
    void ignoresModelMaxLength() {
        try (HfTokenizer tokenizer = HfTokenizer.load(wordLevelDir())) {
            String text = String.join(" ", java.util.Collections.nCopies(600, "cat"));
            assertThat(tokenizer.encode(text)).hasSize(600);
        }
    }

    @Test
    void resolvesSpecialTokens() {
        try (HfTokenizer tokenizer = HfTokenizer.load(wordLevelDir())) {
            assertThat(tokenizer.bosId()).isEqualTo(1);
            // eos_token is an AddedToken object in tokenizer_config.json.
            assertThat(tokenizer.eosId()).isEqualTo(2);
            // special_tokens_map.json overrides the null pad_token of tokenizer_config.json.
            assertThat(tokenizer.padId()).isEqualTo(3);
            // config.json lists a second EOS, the end-of-turn token.
            assertThat(tokenizer.eosIds()).containsExactly(2, 4);
        }
    }

    @Test
    void fallsBackToModelSpecialIds(@TempDir Path dir) throws IOException {
        copyOf(dir);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": null, \"eos_token\": null}");
        Files.delete(dir.resolve("special_tokens_map.json"));
        Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 1, \"eos_token_id\": [4, 2]}");
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            assertThat(tokenizer.bosId()).isEqualTo(1);
            assertThat(tokenizer.eosId()).isEqualTo(4);
            assertThat(tokenizer.padId()).isEqualTo(4);
            assertThat(tokenizer.eosIds()).containsExactly(4, 2);
        }
    }

    @Test
    void writesFilesBackUnchanged(@TempDir Path dir) throws IOException {
        try (HfTokenizer tokenizer = HfTokenizer.load(wordLevelDir())) {
            tokenizer.writeFiles(dir);
        }
        for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            assertThat(dir.resolve(name)).hasSameBinaryContentAs(wordLevelDir().resolve(name));
        }
        assertThat(dir.resolve("config.json")).doesNotExist();
        assertThat(HfTokenizer.isPresent(dir)).isTrue();
    }

    @Test
    void malformedFilesNameTheFile(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(dir.resolve("tokenizer.json").toString());
        copyOf(dir);
        Files.writeString(dir.resolve("special_tokens_map.json"), "{\"pad_token\": \"<nothing>\"}");
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .hasMessageContaining(dir.resolve("special_tokens_map.json").toString())
                .hasMessageContaining("pad_token \"<nothing>\" is not in tokenizer.json");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": ");
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .hasMessageContaining(dir.resolve("tokenizer_config.json").toString())
                .hasMessageContaining("invalid JSON");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
        Files.writeString(dir.resolve("special_tokens_map.json"), "{}");
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": \"2\"}");
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .hasMessageContaining(dir.resolve("config.json").toString())
                .hasMessageContaining("eos_token_id is \"2\"");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"WordLevel\"}}");
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .hasMessageContaining(dir.resolve("tokenizer.json").toString())
                .hasMessageContaining("model.vocab");
    }
}
