package io.reasonflow.distill.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.distill.select.DropReason;
import io.reasonflow.distill.select.TraceSelection;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectionAdviceTest {

    @Test
    void truncatedPointsAtLengthLimit() {
        String advice = DistillRun.adviceFor(report(Map.of(DropReason.TRUNCATED, 767L, DropReason.INCORRECT, 1L)));

        assertThat(advice).contains("length limit").contains("sampling.max-new-tokens");
    }

    @Test
    void incorrectAsksForMoreSamples() {
        String advice = DistillRun.adviceFor(report(Map.of(DropReason.TRUNCATED, 3L, DropReason.INCORRECT, 500L)));

        assertThat(advice).contains("wrong").contains("sampling.prompts");
    }

    private static TraceSelection.Report report(Map<DropReason, Long> counts) {
        Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
        for (DropReason reason : DropReason.values()) {
            dropped.put(reason, counts.getOrDefault(reason, 0L));
        }
        long total = dropped.values().stream().mapToLong(Long::longValue).sum();
        return new TraceSelection.Report(total, 0, 0, dropped);
    }
}
