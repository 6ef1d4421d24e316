package io.reasonflow.reward.stream;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts of what the scoring topology did since this process started, shared by its stream tasks.
 * After a crash, records of an aborted transaction are processed again and counted again here; the
 * topics themselves hold each result once.
 */
public final class RewardCounters {
    private final AtomicLong groupsScored = new AtomicLong();
    private final AtomicLong completionsScored = new AtomicLong();
    private final AtomicLong rolloutsDeadLettered = new AtomicLong();
    private final AtomicLong incompleteGroups = new AtomicLong();
    private final AtomicLong partialsDeadLettered = new AtomicLong();
    private final AtomicLong duplicatePartials = new AtomicLong();
    private final Map<String, AtomicLong> ungradable = new ConcurrentHashMap<>();

    void scored(int completions) {
        groupsScored.incrementAndGet();
        completionsScored.addAndGet(completions);
    }

    void ungradable(String grader) {
        ungradable.computeIfAbsent(grader, name -> new AtomicLong()).incrementAndGet();
    }

    void rolloutDeadLettered() {
        rolloutsDeadLettered.incrementAndGet();
    }

    void incompleteGroup() {
        incompleteGroups.incrementAndGet();
    }

    void partialDeadLettered() {
        partialsDeadLettered.incrementAndGet();
    }

    void duplicatePartial() {
        duplicatePartials.incrementAndGet();
    }

    /** Groups published to {@code reasonflow.scored}. */
    public long groupsScored() {
        return groupsScored.get();
    }

    /** Completions in the groups published to {@code reasonflow.scored}. */
    public long completionsScored() {
        return completionsScored.get();
    }

    /** Rollout records sent to the dead-letter topic because they could not be read or scored. */
    public long rolloutsDeadLettered() {
        return rolloutsDeadLettered.get();
    }

    /** Groups sent to the dead-letter topic because a Kafka grader had not reported within the timeout. */
    public long incompleteGroups() {
        return incompleteGroups.get();
    }

    /** Partial-score records sent to {@code reasonflow.rewards.dlq}. */
    public long partialsDeadLettered() {
        return partialsDeadLettered.get();
    }

    /** Partial scores ignored because the same grader had already reported for the group. */
    public long duplicatePartials() {
        return duplicatePartials.get();
    }

    /** Null scores per grader name in published groups. */
    public Map<String, Long> ungradable() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        ungradable.forEach((name, count) -> copy.put(name, count.get()));
        return copy;
    }
}
