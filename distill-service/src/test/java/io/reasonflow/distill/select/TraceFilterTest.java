package io.reasonflow.distill.select;

import static io.reasonflow.distill.select.TraceFixtures.CORRECT;
import static io.reasonflow.distill.select.TraceFixtures.PROMPT;
import static io.reasonflow.distill.select.TraceFixtures.TOKENIZER;
import static io.reasonflow.distill.select.TraceFixtures.trace;
import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.FinishReason;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraceFilterTest {
    private static final String HELD_OUT = "User: 40+2\nAssistant: ";
    private final TraceFilter filter = new TraceFilter(new TraceFilter.Limits(100, 512, "en", 1.0), TOKENIZER,
            Set.of(HELD_OUT));

    @Test
    void correctTracePasses() {
        assertThat(filter.check(trace("a", PROMPT, CORRECT, "17", FinishReason.STOP))).isEmpty();
    }

    @Test
    void truncatedTraceDropped() {
        assertThat(filter.check(trace("a", PROMPT, CORRECT, "17", FinishReason.LENGTH)))
                .contains(DropReason.TRUNCATED);
    }

    @Test
    void completionOverLimitDropped() {
        String longer = "<think>\n12+5\n" + "2+5=7 write 7\n".repeat(8) + "=17\n</think>\n<answer>17</answer>";
        assertThat(TOKENIZER.encode(longer).length).isGreaterThan(100);
        assertThat(filter.check(trace("a", PROMPT, longer, "17", FinishReason.STOP))).contains(DropReason.TOO_LONG);
    }

    @Test
    void traceOverPositionLimitDropped() {
        int promptTokens = TOKENIZER.encode(PROMPT).length + 1;
        int completionTokens = TOKENIZER.encode(CORRECT).length;
        TraceFilter tight = new TraceFilter(new TraceFilter.Limits(1000, promptTokens + completionTokens - 1, "en", 1.0),
                TOKENIZER, Set.of());
        TraceFilter exact = new TraceFilter(new TraceFilter.Limits(1000, promptTokens + completionTokens, "en", 1.0),
                TOKENIZER, Set.of());
        assertThat(tight.check(TraceFixtures.correct("a"))).contains(DropReason.TOO_LONG);
        assertThat(exact.check(TraceFixtures.correct("a"))).isEmpty();
    }

    @Test
    void heldOutPromptDropped() {
        String completion = "<think>\n40+2\n0+2=2 write 2\n4 write 4\n=42\n</think>\n<answer>42</answer>";
        assertThat(filter.check(trace("a", HELD_OUT, completion, "42", FinishReason.STOP)))
                .contains(DropReason.HELD_OUT);
    }

    @Test
    void unparsableReferenceIsUngradable() {
        assertThat(filter.check(trace("a", PROMPT, CORRECT, "", FinishReason.STOP))).contains(DropReason.UNGRADABLE);
    }

    @Test
    void wrongAnswerDropped() {
        String wrong = CORRECT.replace("<answer>17</answer>", "<answer>18</answer>");
        assertThat(filter.check(trace("a", PROMPT, wrong, "17", FinishReason.STOP))).contains(DropReason.INCORRECT);
    }

    @Test
    void missingAnswerIsIncorrect() {
        assertThat(filter.check(trace("a", PROMPT, "<think>\nno idea\n</think>", "17", FinishReason.STOP)))
                .contains(DropReason.INCORRECT);
    }

    @Test
    void badFormatDropped() {
        String noThink = "12+5 write 17\n<answer>17</answer>";
        String textAfter = CORRECT + " and more";
        assertThat(filter.check(trace("a", PROMPT, noThink, "17", FinishReason.STOP))).contains(DropReason.FORMAT);
        assertThat(filter.check(trace("b", PROMPT, textAfter, "17", FinishReason.STOP))).contains(DropReason.FORMAT);
    }

    @Test
    void mixedLanguageDropped() {
        String mixed = "<think>\n12+5 write 7 然后 写 1\n=17\n</think>\n<answer>17</answer>";
        assertThat(filter.check(trace("a", PROMPT, mixed, "17", FinishReason.STOP))).contains(DropReason.LANGUAGE);
        TraceFilter lenient = new TraceFilter(new TraceFilter.Limits(100, 512, "en", 0.2), TOKENIZER, Set.of());
        assertThat(lenient.check(trace("a", PROMPT, mixed, "17", FinishReason.STOP))).isEmpty();
    }

    @Test
    void firstFailingCheckCounts() {
        String wrongAndTruncated = CORRECT.replace("17</answer>", "18</answer>");
        Optional<DropReason> reason = filter.check(trace("a", PROMPT, wrongAndTruncated, "17", FinishReason.LENGTH));
        assertThat(reason).contains(DropReason.TRUNCATED);
    }
}
