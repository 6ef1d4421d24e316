package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.reasonflow.tasks.grading.LanguageConsistencyGrader.TargetLanguage;
import org.junit.jupiter.api.Test;

class LanguageConsistencyGraderTest {

    private final LanguageConsistencyGrader english = new LanguageConsistencyGrader();

    @Test
    void nameIsLanguageConsistency() {
        assertThat(english.name()).isEqualTo("language_consistency");
    }

    @Test
    void englishReasoningScoresOne() {
        assertThat(english.grade("<think>\nFirst add the two numbers, then check.\n</think>\n<answer>5</answer>", "5"))
                .isEqualTo(1.0);
    }

    @Test
    void cjkCharactersCountAsWords() {
        // Four English words and four Han characters.
        String completion = "<think>add the numbers first 我们先算</think><answer>5</answer>";

        assertThat(english.grade(completion, "5")).isEqualTo(0.5);
        assertThat(new LanguageConsistencyGrader(TargetLanguage.CHINESE).grade(completion, "5")).isEqualTo(0.5);
        assertThat(new LanguageConsistencyGrader(TargetLanguage.CHINESE).grade("<think>我们先算</think>", "5"))
                .isEqualTo(1.0);
    }

    @Test
    void numbersAndMathAreIgnored() {
        String completion = "<think>We compute 48/2=24 and $x^2 + y$ then \\frac{1}{2} so x is 24 我</think>";

        // Counted: We, compute, and, then, so, is (English) and 我 (Han); x, numbers and math are ignored.
        assertThat(english.grade(completion, "24")).isCloseTo(6.0 / 7.0, within(1e-12));
    }

    @Test
    void onlyTheReasoningIsRead() {
        assertThat(english.grade("<think>all english here</think><answer>答案</answer>", "1")).isEqualTo(1.0);
        assertThat(english.grade("prefilled english</think><answer>答案</answer>", "1")).isEqualTo(1.0);
        assertThat(english.grade("no tags 答", "1")).isCloseTo(2.0 / 3.0, within(1e-12));
        assertThat(english.grade("<think>unclosed words <answer>答案</answer>", "1")).isEqualTo(1.0);
    }

    @Test
    void reasoningWithoutWordsScoresZero() {
        assertThat(english.grade("<think>1+1=2</think><answer>2</answer>", "2")).isEqualTo(0.0);
        assertThat(english.grade("", "2")).isEqualTo(0.0);
        assertThat(english.grade(null, "2")).isEqualTo(0.0);
    }

    @Test
    void languageNamesAndCodesResolve() {
        assertThat(LanguageConsistencyGrader.language("en")).isEqualTo(TargetLanguage.ENGLISH);
        assertThat(LanguageConsistencyGrader.language("Chinese")).isEqualTo(TargetLanguage.CHINESE);
        assertThatThrownBy(() -> LanguageConsistencyGrader.language("xx")).hasMessageContaining("xx");
    }

    @Test
    void unclosedMathDelimitersStayLinear() {
        String completion = "<think>" + "\\( word ".repeat(8_000) + "</think>";
        long start = System.nanoTime();

        assertThat(english.grade(completion, "1")).isEqualTo(1.0);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
    }
}
