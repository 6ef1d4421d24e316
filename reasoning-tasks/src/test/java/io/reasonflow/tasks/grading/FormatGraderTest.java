package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FormatGraderTest {

    private final FormatGrader strict = FormatGrader.strict();

    @Test
    void nameIsFormat() {
        assertThat(strict.name()).isEqualTo("format");
    }

    @Test
    void strictAcceptsWellFormedCompletions() {
        String[] accepted = {
            "<think>\n472+389\n2+9=11 write 1 carry 1\n=861\n</think>\n<answer>861</answer>",
            "<think>x</think><answer>1</answer>",
            "  \n<think>\nline one\nline two\n</think>\n\n<answer>\n42\n</answer>\n  ",
        };
        for (String completion : accepted) {
            assertThat(strict.grade(completion, "1")).as(completion).isEqualTo(1.0);
        }
    }

    @Test
    void strictRejectsMalformedCompletions() {
        String[] rejected = {
            "",
            "861",
            "<answer>861</answer>",
            "<think>x</think>",
            "<think>x</think> text <answer>1</answer>",
            "hello <think>x</think><answer>1</answer>",
            "<think>x</think><answer>1</answer> trailing",
            "<answer>1</answer><think>x</think>",
            "<think>x</think><answer>1</answer><answer>2</answer>",
            "<think><think>x</think><answer>1</answer>",
            "<think>x</think></think><answer>1</answer>",
            "<think>x<answer>1</answer></think>",
            "<think>x</think><answer>1",
            "x</think><answer>1</answer>",
            "<think> </think><answer>1</answer>",
            "<think>x</think><answer> </answer>",
            "<think>x</think><answer>1</answer>\n<think>",
        };
        for (String completion : rejected) {
            assertThat(strict.grade(completion, "1")).as(completion).isEqualTo(0.0);
        }
        assertThat(strict.grade(null, "1")).isEqualTo(0.0);
    }

    @Test
    void prefilledThinkAcceptsCompletionWithoutOpeningTag() {
        FormatGrader prefilled = FormatGrader.strictWithPrefilledThink();

        assertThat(prefilled.grade("\n472+389\n</think>\n<answer>861</answer>", "861")).isEqualTo(1.0);
        assertThat(prefilled.grade("<think>x</think><answer>1</answer>", "1")).isEqualTo(0.0);
        assertThat(strict.grade("\n472+389\n</think>\n<answer>861</answer>", "861")).isEqualTo(0.0);
    }

    @Test
    void referenceAnswerIsIgnored() {
        assertThat(strict.grade("<think>x</think><answer>1</answer>", null)).isEqualTo(1.0);
        assertThat(strict.grade("<think>x</think><answer>1</answer>", "2")).isEqualTo(1.0);
    }

    @Test
    void overlongCompletionScoresZero() {
        String body = "x".repeat(Grader.MAX_GRADED_CHARS);

        assertThat(strict.grade("<think>" + body + "</think><answer>1</answer>", "1")).isEqualTo(0.0);
        assertThat(strict.grade("<think>" + body.substring(100) + "</think><answer>1</answer>", "1"))
                .isEqualTo(1.0);
    }
}
