package io.reasonflow.distill.select;

import static io.reasonflow.distill.select.TraceFixtures.CORRECT;
import static io.reasonflow.distill.select.TraceFixtures.PROMPT;
import static io.reasonflow.distill.select.TraceFixtures.TOKENIZER;
import static io.reasonflow.distill.select.TraceFixtures.trace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.contracts.FinishReason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TraceSelectionTest {
    private static final String OTHER_PROMPT = "User: 30+4\nAssistant: ";

    private static TraceSelection selection(int maxPerPrompt) {
        return new TraceSelection(new TraceFilter(new TraceFilter.Limits(200, 512, "en", 1.0), TOKENIZER, Set.of()),
                maxPerPrompt);
    }

    /** Correct traces of one prompt that differ in their reasoning but give the same answer. */
    private static String variant(int n) {
        return "<think>\n12+5\n2+5=7 write 7\n1 write 1\n" + "check ok\n".repeat(n) + "=17\n</think>\n"
                + "<answer>17</answer>";
    }

    @Test
    void duplicateOfSamePromptDropped() {
        TraceSelection selection = selection(4);
        selection.offer(TraceFixtures.correct("g1/0"));
        selection.offer(TraceFixtures.correct("g1/1"));
        selection.offer(TraceFixtures.correct("g2/0"));
        List<Trace> kept = selection.finish();
        assertThat(kept).extracting(Trace::orderKey).containsExactly("g1/0");
        assertThat(selection.report().dropped().get(DropReason.DUPLICATE)).isEqualTo(2);
    }

    @Test
    void sameCompletionOfOtherPromptKept() {
        TraceSelection selection = selection(4);
        selection.offer(TraceFixtures.correct("a"));
        String otherCompletion = "<think>\n30+4\n0+4=4 write 4\n3 write 3\n=34\n</think>\n<answer>34</answer>";
        selection.offer(trace("b", OTHER_PROMPT, otherCompletion, "34", FinishReason.STOP));
        assertThat(selection.finish()).hasSize(2);
        assertThat(selection.report().prompts()).isEqualTo(2);
    }

    @Test
    void capLimitsTracesPerPrompt() {
        TraceSelection selection = selection(2);
        for (int i = 0; i < 5; i++) {
            selection.offer(trace("g/" + i, PROMPT, variant(i), "17", FinishReason.STOP));
        }
        List<Trace> kept = selection.finish();
        assertThat(kept).extracting(Trace::orderKey).containsExactly("g/0", "g/1");
        assertThat(selection.report().dropped().get(DropReason.OVER_CAP)).isEqualTo(3);
    }

    @Test
    void resultIndependentOfArrivalOrder() {
        List<Trace> traces = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            traces.add(trace("g/" + i, PROMPT, variant(i % 3), "17", FinishReason.STOP));
        }
        TraceSelection forward = selection(2);
        traces.forEach(forward::offer);
        List<Trace> reversed = new ArrayList<>(traces);
        Collections.reverse(reversed);
        TraceSelection backward = selection(2);
        reversed.forEach(backward::offer);
        assertThat(backward.finish()).extracting(Trace::orderKey)
                .containsExactlyElementsOf(forward.finish().stream().map(Trace::orderKey).toList());
    }

    @Test
    void everyTraceKeptOrCountedOnce() {
        TraceSelection selection = selection(1);
        selection.offer(TraceFixtures.correct("1"));
        selection.offer(TraceFixtures.correct("2"));
        selection.offer(trace("3", PROMPT, variant(1), "17", FinishReason.STOP));
        selection.offer(trace("4", PROMPT, CORRECT, "17", FinishReason.LENGTH));
        selection.offer(trace("5", PROMPT, CORRECT.replace(">17<", ">16<"), "17", FinishReason.STOP));
        selection.finish();
        TraceSelection.Report report = selection.report();
        long dropped = report.dropped().values().stream().mapToLong(Long::longValue).sum();
        assertThat(report.completions()).isEqualTo(5);
        assertThat(report.kept()).isEqualTo(1);
        assertThat(dropped).isEqualTo(4);
        assertThat(report.dropped()).containsEntry(DropReason.DUPLICATE, 1L).containsEntry(DropReason.OVER_CAP, 1L)
                .containsEntry(DropReason.TRUNCATED, 1L).containsEntry(DropReason.INCORRECT, 1L);
        assertThat(report.toMap()).containsEntry("kept", 1L).containsKey("dropped");
        assertThat(report.line()).startsWith("kept 1 of 5 completions (1 prompts); dropped: truncated 1");
    }

    @Test
    void offerAfterFinishRejected() {
        TraceSelection selection = selection(1);
        selection.finish();
        assertThatThrownBy(() -> selection.offer(TraceFixtures.correct("a")))
                .isInstanceOf(IllegalStateException.class);
    }
}
