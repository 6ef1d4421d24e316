package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AccuracyGraderTest {

    private final AccuracyGrader grader = new AccuracyGrader();

    private void assertCorrect(String completion, String reference) {
        assertThat(grader.grade(completion, reference)).as("%s vs %s", completion, reference).isEqualTo(1.0);
    }

    private void assertIncorrect(String completion, String reference) {
        assertThat(grader.grade(completion, reference)).as("%s vs %s", completion, reference).isEqualTo(0.0);
    }

    @Test
    void nameIsAccuracy() {
        assertThat(grader.name()).isEqualTo("accuracy");
    }

    @Test
    void correctAnswerScoresOne() {
        assertCorrect("<think>\n48/2=24\n</think>\n<answer>72</answer>", "72");
        assertCorrect("<answer>1,080.0</answer>", "1080");
        assertCorrect("so the answer is $18.", "18");
    }

    @Test
    void wrongAnswerScoresZero() {
        assertIncorrect("<answer>71</answer>", "72");
        assertIncorrect("<answer>seventy-two</answer> 72", "72");
        assertIncorrect("no number", "72");
        assertIncorrect(null, "72");
    }

    @Test
    void boxedAnswersAreFound() {
        assertCorrect("...so the result is \\boxed{\\frac{1}{2}}", "\\frac{1}{2}");
        assertCorrect("The total is \\fbox{42}.", "42");
        assertCorrect("Thus the answer is \\[ \\boxed{42} \\]", "42");
        assertCorrect("<answer>\\boxed{42}</answer>", "42");
        assertCorrect("I think it is \\boxed{1}. Checking again, it is \\boxed{1} because...", "1");
        assertIncorrect("I think it is \\boxed{2}. Checking again, it is \\boxed{1} because...", "2");
    }

    @Test
    void unparsableReferenceCannotBeGraded() {
        String[] references = {"seventy-two", "not a number", "", "  ", "\\frac{1}", "Devon", "\\text{Monday}", null};
        String[] completions = {"<answer>72</answer>", "<answer>not a number</answer>", "", "\\boxed{Devon}",
            "the answer is Monday", null};
        for (String reference : references) {
            for (String completion : completions) {
                assertThat(grader.grade(completion, reference)).as("%s vs %s", completion, reference).isNull();
            }
        }
    }

    @Test
    void listsAndThousandsSeparators() {
        assertCorrect("<answer>(0,1)</answer>", "0,1");
        assertCorrect("<answer>0, 1</answer>", "(0,1)");
        assertIncorrect("<answer>(1,0)</answer>", "0,1");
        assertCorrect("<answer>3, 2</answer>", "2, 3");
        assertIncorrect("<answer>1</answer>", "0,1");
        assertCorrect("<answer>115000</answer>", "115,000");
        assertCorrect("<answer>115,000</answer>", "115000");
        assertIncorrect("<answer>8.124</answer>", "[8.124,12.852]");
        assertIncorrect("<answer>12.852</answer>", "[8.124,12.852]");
        assertCorrect("<answer>[8.124, 12.852]</answer>", "[8.124,12.852]");
        assertIncorrect("<answer>(8.124, 12.852)</answer>", "[8.124,12.852]");
    }

    @Test
    void answerPhraseStopsAtTheNumber() {
        assertCorrect("The answer is 72, in total, so...", "72");
        assertCorrect("Adding up, the answer is $\\frac{3}{4}$ of the cake.", "0.75");
    }

    @Test
    void numbersInManyForms() {
        assertCorrect("\\boxed{-5}", "-5");
        assertIncorrect("\\boxed{5}", "-5");
        assertCorrect("\\boxed{0.50}", "\\frac12");
        assertCorrect("\\boxed{\\dfrac{3}{4}}", "0.75");
        assertCorrect("\\boxed{\\tfrac{6}{8}}", "3/4");
        assertCorrect("\\boxed{1.5e3}", "1500");
        assertCorrect("\\boxed{1.5 \\times 10^{3}}", "1500");
        assertCorrect("\\boxed{2\\frac{1}{2}}", "5/2");
        assertCorrect("$\\$1,250.00$", "1250");
        assertCorrect("\\(\\boxed{12}\\)", "12");
        assertIncorrect("\\boxed{0.333}", "\\frac{1}{3}");
    }

    @Test
    void percentagesMatchTheNumberAndTheFraction() {
        assertCorrect("\\boxed{28\\%}", "28");
        assertCorrect("\\boxed{28}", "28\\%");
        assertCorrect("\\boxed{0.28}", "28%");
        assertCorrect("<answer>28 percent</answer>", "28%");
        assertIncorrect("\\boxed{2.8}", "28%");
    }

    @Test
    void wrappersAndUnitsAreDropped() {
        assertCorrect("\\boxed{5\\text{ cm}}", "5");
        assertCorrect("<answer>5 apples</answer>", "5");
        assertCorrect("<answer>$5$ dollars</answer>", "\\$5");
        assertCorrect("\\boxed{\\mathrm{30}^\\circ}", "30");
        assertCorrect("\\boxed{60 \\text{ km/h}}", "60");
        assertCorrect("\\boxed{x = 7}", "7");
        assertCorrect("\\boxed{\\$1.5\\text{ million}}", "1500000");
    }

    @Test
    void radicalsPiAndSymbolicExpressions() {
        assertCorrect("\\boxed{2\\sqrt{3}}", "\\sqrt{12}");
        assertCorrect("\\boxed{\\frac{\\sqrt{2}}{2}}", "\\frac{1}{\\sqrt{2}}");
        assertCorrect("\\boxed{\\sqrt[3]{-8}}", "-2");
        assertCorrect("\\boxed{\\frac{\\pi}{2}}", "\\pi/2");
        assertCorrect("\\boxed{2\\pi r}", "2 r \\pi");
        assertCorrect("\\boxed{(x+1)^2}", "x^2+2x+1");
        assertCorrect("\\boxed{\\sin^2 x + \\cos^2 x}", "1");
        assertIncorrect("\\boxed{3.14159}", "\\pi");
        assertIncorrect("\\boxed{x^2+1}", "(x+1)^2");
        assertIncorrect("\\boxed{\\sqrt{2}}", "1.41421356");
    }

    @Test
    void intervalsAndSets() {
        assertCorrect("\\boxed{(-\\infty, 2]}", "(-\\infty,2]");
        assertIncorrect("\\boxed{(-\\infty, 2)}", "(-\\infty,2]");
        assertCorrect("\\boxed{\\{3, 1, 2\\}}", "\\{1,2,3\\}");
        assertCorrect("\\boxed{3, 1, 2}", "\\{1,2,3\\}");
        assertIncorrect("\\boxed{\\{1, 2\\}}", "\\{1,2,3\\}");
        assertCorrect("\\boxed{(-\\infty,0)\\cup(1,\\infty)}", "(-\\infty, 0) \\cup (1, \\infty)");
        assertCorrect("\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}", "(3, \\frac{\\pi}{2})");
    }

    @Test
    void evaluateReportsExtractedAnswerAndOutcome() {
        AccuracyGrader.Result correct = grader.evaluate("<answer> 1,080 </answer>", "1080");
        assertThat(correct.extracted()).isEqualTo("1,080");
        assertThat(correct.outcome()).isEqualTo(AccuracyGrader.Outcome.CORRECT);
        assertThat(correct.correct()).isTrue();

        AccuracyGrader.Result sentence = grader.evaluate("<answer>She sold 48 clips.</answer>", "48");
        assertThat(sentence.extracted()).isEqualTo("48");
        assertThat(sentence.correct()).isTrue();

        AccuracyGrader.Result ungradable = grader.evaluate("<answer>5</answer>", "five");
        assertThat(ungradable.outcome()).isEqualTo(AccuracyGrader.Outcome.UNPARSABLE_REFERENCE);
        assertThat(ungradable.correct()).isNull();

        AccuracyGrader.Result missing = grader.evaluate("nothing here", "5");
        assertThat(missing.extracted()).isNull();
        assertThat(missing.correct()).isFalse();
    }

    @Test
    void invalidTimeLimitIsRejected() {
        assertThatThrownBy(() -> new AccuracyGrader(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
