package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnswerExtractorTest {

    @Test
    void answerBlockWinsOverEverything() {
        String completion = "the answer is 5. \\boxed{6}\n#### 7\n<answer>8</answer> then 9";

        assertThat(AnswerExtractor.extract(completion)).contains("8");
    }

    @Test
    void lastAnswerBlockIsUsed() {
        String completion = "<answer>1</answer> retry <answer>\n 2 \n</answer>";

        assertThat(AnswerExtractor.extract(completion)).contains("2");
    }

    @Test
    void unclosedAnswerBlockFallsThrough() {
        assertThat(AnswerExtractor.extract("<answer>4 and then 12")).contains("12");
    }

    @Test
    void boxedWinsOverHashAndPhrase() {
        String completion = "the answer is 5\n#### 7\nso \\boxed{6} and 10";

        assertThat(AnswerExtractor.extract(completion)).contains("6");
    }

    @Test
    void boxedKeepsBalancedBraces() {
        assertThat(AnswerExtractor.extract("\\boxed{1} then \\boxed{\\frac{1}{2}}")).contains("\\frac{1}{2}");
    }

    @Test
    void fboxCountsAsBox() {
        assertThat(AnswerExtractor.extract("The total is \\fbox{42}.")).contains("42");
        assertThat(AnswerExtractor.extract("\\fbox{1} then \\boxed{2}")).contains("2");
        assertThat(AnswerExtractor.extract("\\boxed{1} then \\fbox{{2}}")).contains("{2}");
    }

    @Test
    void answerPhraseTakesMathSpan() {
        assertThat(AnswerExtractor.extract("so the answer is $\\frac{1}{2}$ here")).contains("\\frac{1}{2}");
        assertThat(AnswerExtractor.extract("the answer is \\(x+1\\).")).contains("x+1");
        assertThat(AnswerExtractor.extract("the answer is $18.")).contains("$18");
    }

    @Test
    void percentSignStaysWithTheNumber() {
        assertThat(AnswerExtractor.extract("the answer is 25% of it")).contains("25%");
        assertThat(AnswerExtractor.extract("it grew by 12%.")).contains("12%");
    }

    @Test
    void unbalancedLastBoxFallsBackToEarlierBox() {
        assertThat(AnswerExtractor.extract("\\boxed{3} and \\boxed{4")).contains("3");
    }

    @Test
    void hashLineWinsOverPhrase() {
        assertThat(AnswerExtractor.extract("the answer is 5\n#### 1,000\nbye 3")).contains("1,000");
    }

    @Test
    void hashInsideLineIsIgnored() {
        assertThat(AnswerExtractor.extract("see item #### 4 here")).contains("4");
        assertThat(AnswerExtractor.extract("the answer is 9, not item #### 4")).contains("9");
    }

    @Test
    void answerPhraseWinsOverLastNumber() {
        assertThat(AnswerExtractor.extract("So The Answer Is: $42. Checked with 3 steps.")).contains("$42");
    }

    @Test
    void answerPhraseWithoutNumberFallsThrough() {
        assertThat(AnswerExtractor.extract("the answer is 12 ... the answer is unclear, maybe 13"))
                .contains("12");
        assertThat(AnswerExtractor.extract("the answer is unclear, maybe 13")).contains("13");
    }

    @Test
    void lastNumberIsFinalFallback() {
        assertThat(AnswerExtractor.extract("We get 3 apples, then -2.5 and finally 1,250.")).contains("1,250");
        assertThat(AnswerExtractor.extract("costs -$7")).contains("-$7");
        assertThat(AnswerExtractor.extract("5-3")).contains("3");
        assertThat(AnswerExtractor.extract("half is 1/2.")).contains("1/2");
    }

    @Test
    void nothingToExtract() {
        assertThat(AnswerExtractor.extract("no digits here")).isEqualTo(Optional.empty());
        assertThat(AnswerExtractor.extract(null)).isEqualTo(Optional.empty());
    }

    @Test
    void onlyFirst64KiBIsRead() {
        String completion = "1".repeat(Grader.MAX_GRADED_CHARS - 2) + " 7 <answer>9</answer>";

        assertThat(AnswerExtractor.extract(completion)).contains("7");
    }

    @Test
    void pathologicalInputsFinishQuickly() {
        String[] inputs = {
            "\\boxed{".repeat(9_000),
            "<answer>".repeat(8_000) + "</answer",
            "the answer is ".repeat(4_600),
            "####\n".repeat(13_000),
            "1,".repeat(32_000),
            "{".repeat(65_000),
        };
        long start = System.nanoTime();
        for (String input : inputs) {
            AnswerExtractor.extract(input);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;

        // Linear scans take milliseconds, but a quadratic scan of 64 Ki characters would take seconds.
        assertThat(millis).isLessThan(2_000);
    }
}
