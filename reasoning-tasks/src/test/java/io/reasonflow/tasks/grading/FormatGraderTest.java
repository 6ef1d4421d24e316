package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
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
    void strictAcceptsNumberedReasoningLines() {
        assertThat(strict.grade("<think>\nI count:\n1. a\n2. b\n</think>\n<answer>9</answer>", "9")).isEqualTo(1.0);
    }

    @Test
    void strictRejectsEachBrokenStructure() {
        Map<String, String> rejected = new LinkedHashMap<>();
        rejected.put("repeated closing answer tag", "<think>\n x \n</think>\n<answer>\n 333 \n</answer>\n</answer>");
        rejected.put("three think blocks", "<think>a</think>\n<think>b</think>\n<think>c</think>\n<answer>1</answer>");
        rejected.put("only a think block", "<think>\nreasoning\n</think>");
        rejected.put("only an answer block", "<answer>1</answer>");
        rejected.put("no tags", "The answer is 1.");
        rejected.put("missing closing think tag", "<think>\nreasoning\n<answer>1</answer>");
        rejected.put("missing closing answer tag", "<think>\nreasoning\n</think>\n<answer>1");
        rejected.put("tags in the wrong order", "<answer>1</answer>\n<think>\nreasoning\n</think>");
        rejected.put("text after the answer", "<think>\nreasoning\n</think>\n<answer>1</answer>\nDone.");
        rejected.forEach((name, completion) -> assertThat(strict.grade(completion, "1")).as(name).isEqualTo(0.0));
    }

    @Test
    void partialCreditsEachTagFoundOnce() {
        FormatGrader partial = FormatGrader.partial();

        assertThat(partial.name()).isEqualTo("format_partial");
        assertThat(partial.grade("<think>x</think><answer>1</answer>", "1")).isEqualTo(1.0);
        assertThat(partial.grade("<answer>1</answer>", "1")).isEqualTo(0.5);
        assertThat(partial.grade("<think>x</think>", "1")).isEqualTo(0.5);
        assertThat(partial.grade("<think>x", "1")).isEqualTo(0.25);
        assertThat(partial.grade("no tags", "1")).isEqualTo(0.0);
        assertThat(partial.grade("<think>x</think><answer>1</answer></answer>", "1")).isEqualTo(0.75);
        assertThat(partial.grade("<answer>1</answer><think>x</think>", "1")).isEqualTo(1.0);
        assertThat(partial.grade(null, "1")).isEqualTo(0.0);
        assertThat(FormatGrader.partialWithPrefilledThink().grade("x</think><answer>1</answer>", "1")).isEqualTo(1.0);
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
