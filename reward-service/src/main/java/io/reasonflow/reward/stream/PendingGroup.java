package io.reasonflow.reward.stream;

import io.reasonflow.contracts.Messages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A group waiting for the scores of Kafka graders, as kept in the state store (JSON, changelogged,
 * so it survives a restart of the service).
 *
 * <p>Either part may arrive first: a rollout waits for partial scores, and a partial score that comes
 * before its rollout waits for the rollout. Both wait at most the merge timeout, counted from
 * {@code firstSeenMillis}.
 *
 * @param firstSeenMillis wall-clock time when the first record of the group arrived
 * @param rollout         the rollout record as received, or null while only partial scores have arrived
 * @param ownScores       scores of the built-in and HTTP graders, one map per completion; null with
 *                        the rollout
 * @param partials        partial scores received so far, by grader, each with the record it came in
 */
record PendingGroup(long firstSeenMillis, ReceivedRecord rollout, List<Map<String, Double>> ownScores,
        Map<String, ReceivedPartial> partials) {

    PendingGroup {
        partials = partials == null ? new LinkedHashMap<>() : new LinkedHashMap<>(partials);
        ownScores = ownScores == null ? null : new ArrayList<>(ownScores);
    }

    static PendingGroup decode(byte[] bytes) {
        return Messages.mapper().readValue(bytes, PendingGroup.class);
    }

    byte[] encode() {
        return Messages.encode(this);
    }

    PendingGroup withRollout(ReceivedRecord record, List<Map<String, Double>> scores) {
        return new PendingGroup(firstSeenMillis, record, scores, partials);
    }

    PendingGroup withPartial(String grader, ReceivedPartial partial) {
        Map<String, ReceivedPartial> next = new LinkedHashMap<>(partials);
        next.put(grader, partial);
        return new PendingGroup(firstSeenMillis, rollout, ownScores, next);
    }

    PendingGroup withoutPartial(String grader) {
        Map<String, ReceivedPartial> next = new LinkedHashMap<>(partials);
        next.remove(grader);
        return new PendingGroup(firstSeenMillis, rollout, ownScores, next);
    }

    /**
     * A consumed record kept for the dead-letter topic: its value unchanged and where it came from.
     */
    record ReceivedRecord(String topic, int partition, long offset, byte[] value) {
    }

    /** Scores of one Kafka grader and the record that carried them. */
    record ReceivedPartial(List<Double> scores, ReceivedRecord record) {
        ReceivedPartial {
            scores = new ArrayList<>(scores);
        }
    }
}
