package io.reasonflow.distill.select;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rejection sampling over a stream of traces. Each offered trace goes through {@link TraceFilter}, and the ones
 * that pass wait until {@link #finish()}. It sorts them by their order key, drops a completion already kept for
 * the same prompt text and caps the traces per prompt. Sorting first makes the result independent of the order
 * in which Kafka delivered the records. Every offered trace ends up kept or counted under one drop reason.
 */
public final class TraceSelection {

    /**
     * Counts of a finished selection.
     *
     * @param completions traces offered
     * @param kept        traces kept
     * @param prompts     distinct prompts among the kept traces
     * @param dropped     traces dropped, by reason, every reason listed
     */
    public record Report(long completions, long kept, long prompts, Map<DropReason, Long> dropped) {

        /** Returns the report as written to {@code selection.json}: counts by snake_case name. */
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("completions", completions);
            map.put("kept", kept);
            map.put("prompts_kept", prompts);
            Map<String, Object> reasons = new LinkedHashMap<>();
            dropped.forEach((reason, count) -> reasons.put(reason.key(), count));
            map.put("dropped", reasons);
            return map;
        }

        /** Returns the counts in one line, for example {@code kept 5 of 512 completions (5 prompts); dropped: ...}. */
        public String line() {
            StringBuilder text = new StringBuilder(String.format("kept %d of %d completions (%d prompts); dropped:",
                    kept, completions, prompts));
            dropped.forEach((reason, count) -> text.append(' ').append(reason.key()).append(' ').append(count));
            return text.toString();
        }
    }

    private final TraceFilter filter;
    private final int maxPerPrompt;
    private final List<Trace> passed = new ArrayList<>();
    private final Map<DropReason, Long> dropped = new EnumMap<>(DropReason.class);
    private long completions;
    private Report report;

    public TraceSelection(TraceFilter filter, int maxPerPrompt) {
        if (maxPerPrompt < 1) {
            throw new IllegalArgumentException("max traces per prompt is " + maxPerPrompt + ", expected >= 1");
        }
        this.filter = filter;
        this.maxPerPrompt = maxPerPrompt;
        for (DropReason reason : DropReason.values()) {
            dropped.put(reason, 0L);
        }
    }

    /** Checks one trace; one that passes is held until {@link #finish()}. */
    public void offer(Trace trace) {
        if (report != null) {
            throw new IllegalStateException("the selection is finished; create a new one for more traces");
        }
        completions++;
        filter.check(trace).ifPresentOrElse(reason -> dropped.merge(reason, 1L, Long::sum), () -> passed.add(trace));
    }

    /** Drops duplicates and traces over the cap, and returns the kept traces in order key order. */
    public List<Trace> finish() {
        if (report != null) {
            throw new IllegalStateException("the selection is finished already");
        }
        passed.sort(Comparator.comparing(Trace::orderKey));
        Set<List<String>> seen = new HashSet<>();
        Map<String, Integer> perPrompt = new HashMap<>();
        List<Trace> kept = new ArrayList<>();
        for (Trace trace : passed) {
            if (!seen.add(List.of(trace.prompt(), trace.completion()))) {
                dropped.merge(DropReason.DUPLICATE, 1L, Long::sum);
            } else if (perPrompt.merge(trace.prompt(), 1, Integer::sum) > maxPerPrompt) {
                dropped.merge(DropReason.OVER_CAP, 1L, Long::sum);
            } else {
                kept.add(trace);
            }
        }
        passed.clear();
        long prompts = kept.stream().map(Trace::prompt).distinct().count();
        report = new Report(completions, kept.size(), prompts, new EnumMap<>(dropped));
        return kept;
    }

    /** Returns the report of the finished selection. */
    public Report report() {
        if (report == null) {
            throw new IllegalStateException("the selection is not finished; call finish() first");
        }
        return report;
    }
}
