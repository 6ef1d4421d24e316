package io.reasonflow.trainer.ledger;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Accounts for every prompt group the trainer publishes. Training groups must balance once in-flight
 * work has drained: {@code published = scored + dead_lettered} and
 * {@code scored = trained + dropped_stale + filtered}. Evaluation groups are counted apart.
 * Called from the training thread only.
 */
public class Ledger {
    private final Set<String> outstandingTrain = new HashSet<>();
    private final Set<String> outstandingEval = new HashSet<>();
    private long published;
    private long scored;
    private long trained;
    private long droppedStale;
    private long filtered;
    private long deadLettered;
    private long evalPublished;
    private long evalScored;
    private long evalDeadLettered;
    private long unexpected;

    public void publishedTrain(String groupId) {
        outstandingTrain.add(groupId);
        published++;
    }

    public void publishedEval(String groupId) {
        outstandingEval.add(groupId);
        evalPublished++;
    }

    /** Records a scored training group; returns false for a group this run never published or already saw. */
    public boolean scoredTrain(String groupId) {
        if (!outstandingTrain.remove(groupId)) {
            unexpected++;
            return false;
        }
        scored++;
        return true;
    }

    /** Records a scored evaluation group; returns false for a group this run never published or already saw. */
    public boolean scoredEval(String groupId) {
        if (!outstandingEval.remove(groupId)) {
            unexpected++;
            return false;
        }
        evalScored++;
        return true;
    }

    /** Records a group id seen on a dead-letter topic; ids of other runs are ignored. */
    public void deadLettered(String groupId) {
        if (outstandingTrain.remove(groupId)) {
            deadLettered++;
        } else if (outstandingEval.remove(groupId)) {
            evalDeadLettered++;
        }
    }

    public void trained(int groups) {
        trained += groups;
    }

    public void droppedStale() {
        droppedStale++;
    }

    public void filtered() {
        filtered++;
    }

    /** Training groups dropped so far because they were older than the staleness bound. */
    public long droppedStaleCount() {
        return droppedStale;
    }

    public int outstandingTrain() {
        return outstandingTrain.size();
    }

    public int outstandingEval() {
        return outstandingEval.size();
    }

    public boolean balanced() {
        return outstandingTrain.isEmpty() && published == scored + deadLettered
                && scored == trained + droppedStale + filtered;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> eval = new LinkedHashMap<>();
        eval.put("published", evalPublished);
        eval.put("scored", evalScored);
        eval.put("dead_lettered", evalDeadLettered);
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("published", published);
        map.put("scored", scored);
        map.put("trained", trained);
        map.put("dropped_stale", droppedStale);
        map.put("filtered", filtered);
        map.put("dead_lettered", deadLettered);
        map.put("in_flight", outstandingTrain.size());
        map.put("unexpected", unexpected);
        map.put("eval", eval);
        map.put("balanced", balanced());
        return map;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
