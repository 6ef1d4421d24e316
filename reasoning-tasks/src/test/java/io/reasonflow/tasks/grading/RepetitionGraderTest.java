package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RepetitionGraderTest {

    private final RepetitionGrader bigrams = new RepetitionGrader(2, -1.0);

    @Test
    void textWithoutRepeatsScoresZero() {
        assertThat(new RepetitionGrader().name()).isEqualTo("repetition");
        assertThat(bigrams.grade("each word here is new", "1")).isEqualTo(0.0);
        assertThat(bigrams.grade("one", "1")).isEqualTo(0.0);
        assertThat(bigrams.grade("   ", "1")).isEqualTo(0.0);
        assertThat(bigrams.grade(null, "1")).isEqualTo(0.0);
    }

    @Test
    void penaltyIsShareOfRepeatedNgrams() {
        // Bigrams: "a b", "b a", "a b", "b a", "a b": 5 in all, 2 distinct.
        assertThat(bigrams.grade("a b a B a b", "1")).isCloseTo(-(1 - 2.0 / 5), within(1e-12));
        assertThat(new RepetitionGrader(2, -0.5).grade("a b a b a b", "1")).isCloseTo(-0.5 * (1 - 2.0 / 5), within(1e-12));
    }

    @Test
    void loopingTextApproachesTheMaximumPenalty() {
        double score = new RepetitionGrader().grade("I will check again. ".repeat(500), "1");

        assertThat(score).isLessThan(-0.99).isGreaterThanOrEqualTo(-1.0);
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> new RepetitionGrader(0, -1)).hasMessageContaining("ngramSize");
        assertThatThrownBy(() -> new RepetitionGrader(3, 0.5)).hasMessageContaining("maxPenalty");
    }
}
