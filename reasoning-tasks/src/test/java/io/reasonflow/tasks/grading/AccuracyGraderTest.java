package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AccuracyGraderTest {

    private final AccuracyGrader grader = new AccuracyGrader();

    @Test
    void nameIsAccuracy() {
        assertThat(grader.name()).isEqualTo("accuracy");
    }

    @Test
    void correctAnswerScoresOne() {
        assertThat(grader.grade("<think>\n48/2=24\n</think>\n<answer>72</answer>", "72")).isEqualTo(1.0);
        assertThat(grader.grade("<answer>1,080.0</answer>", "1080")).isEqualTo(1.0);
        assertThat(grader.grade("so the answer is $18.", "18")).isEqualTo(1.0);
    }

    @Test
    void wrongAnswerScoresZero() {
        assertThat(grader.grade("<answer>71</answer>", "72")).isEqualTo(0.0);
        assertThat(grader.grade("<answer>seventy-two</answer> 72", "72")).isEqualTo(0.0);
        assertThat(grader.grade("no number", "72")).isEqualTo(0.0);
        assertThat(grader.grade(null, "72")).isEqualTo(0.0);
    }

    @Test
    void unparsableReferenceCannotBeGraded() {
        assertThat(grader.grade("<answer>72</answer>", "seventy-two")).isNull();
        assertThat(grader.grade("<answer>72</answer>", null)).isNull();
    }
}
