package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.tasks.grading.OverlongGrader.LengthUnit;
import org.junit.jupiter.api.Test;

class OverlongGraderTest {

    private final OverlongGrader characters = new OverlongGrader(LengthUnit.CHARACTERS, 10, 4);
    private final OverlongGrader tokens = new OverlongGrader(LengthUnit.TOKENS, 10, 4);

    @Test
    void penaltyFollowsTheSoftRamp() {
        assertThat(characters.penalty(0)).isEqualTo(0.0);
        assertThat(characters.penalty(6)).isEqualTo(0.0);
        assertThat(characters.penalty(7)).isEqualTo(-0.25);
        assertThat(characters.penalty(8)).isEqualTo(-0.5);
        assertThat(characters.penalty(10)).isEqualTo(-1.0);
        assertThat(characters.penalty(11)).isEqualTo(-1.0);
    }

    @Test
    void charactersAreCodePoints() {
        assertThat(characters.name()).isEqualTo("overlong");
        assertThat(characters.grade("123456", "1")).isEqualTo(0.0);
        assertThat(characters.grade("12345678", "1")).isEqualTo(-0.5);
        assertThat(characters.grade("\uD83D\uDE00".repeat(8), "1")).isEqualTo(-0.5);
        assertThat(characters.grade(null, "1")).isEqualTo(0.0);
    }

    @Test
    void tokensNeedACount() {
        assertThat(tokens.grade("short text", "1", 8)).isEqualTo(-0.5);
        assertThat(tokens.grade("short text", "1", 12)).isEqualTo(-1.0);
        assertThat(tokens.grade("short text", "1")).isNull();
        assertThat(characters.grade("12345678", "1", 1)).isEqualTo(-0.5);
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> new OverlongGrader(LengthUnit.TOKENS, 4, 5)).hasMessageContaining("buffer 5");
        assertThatThrownBy(() -> new OverlongGrader(LengthUnit.TOKENS, 4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OverlongGrader(null, 4, 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
