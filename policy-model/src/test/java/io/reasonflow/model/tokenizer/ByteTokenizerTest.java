package io.reasonflow.model.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {
    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @Test
    void roundTripsAsciiAccentsCjkAndEmoji() {
        for (String text : new String[] {"Hello, world! 1 + 2 = 3", "crème brûlée, Ångström", "数学推理",
                "🤖 reasons 🧮👍🏽", ""}) {
            int[] ids = tokenizer.encode(text);
            assertThat(Arrays.stream(ids).allMatch(id -> id >= 0 && id < 256)).isTrue();
            assertThat(tokenizer.decode(ids)).isEqualTo(text);
        }
    }

    @Test
    void encodesUtf8Bytes() {
        assertThat(tokenizer.encode("aé")).containsExactly(0x61, 0xC3, 0xA9);
        assertThat(tokenizer.encode("数")).hasSize(3);
        assertThat(tokenizer.encode("🤖")).hasSize(4);
    }

    @Test
    void decodeSkipsSpecialIds() {
        int[] ids = {ByteTokenizer.BOS, 'h', 'i', ByteTokenizer.EOS, ByteTokenizer.PAD};
        assertThat(tokenizer.decode(ids)).isEqualTo("hi");
    }

    @Test
    void decodeOfCutCharacterReplacesIt() {
        int[] ids = tokenizer.encode("ok数");
        assertThat(tokenizer.decode(Arrays.copyOf(ids, ids.length - 1))).isEqualTo("ok\uFFFD");
    }

    @Test
    void rejectsIdOutsideVocabulary() {
        assertThatThrownBy(() -> tokenizer.decode(new int[] {259}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 259");
    }

    @Test
    void reportsSpecialIds() {
        assertThat(tokenizer.vocabSize()).isEqualTo(259);
        assertThat(tokenizer.bosId()).isEqualTo(256);
        assertThat(tokenizer.eosId()).isEqualTo(257);
        assertThat(tokenizer.padId()).isEqualTo(258);
    }
}
