package io.reasonflow.trainer.ledger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Accounts for every prompt group the trainer publishes, by group id. Training groups must balance once
 * in-flight work has drained: {@code published = scored + dead_lettered},
 * {@code scored = trained + dropped_stale + filtered}, and every published id has exactly one outcome.
 * Evaluation groups are counted apart. Called from the training thread only.
 *
 * <p>A checkpoint stores the ledger ({@link #state}); after a resume, the groups that had been scored but not yet
 * trained are expected once more ({@link #replayed}), and scored records of groups that already have an outcome
 * are counted as {@code repeated} and otherwise ignored.
 */
public class Ledger {

    /** Outcome of a training group. */
    public enum Outcome {
        TRAINED, DROPPED_STALE, FILTERED, DEAD_LETTERED;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The ledger as a checkpoint stores it.
     *
     * @param outstanding training groups published and not yet scored
     * @param replay      training groups scored but not yet trained; a resumed run reads them again
     * @param outcomes    outcome of every settled training group, by group id
     * @param evalIds     every evaluation group published
     */
    public record State(long published, long scored, long trained, long droppedStale, long filtered,
            long deadLettered, long evalPublished, long evalScored, long evalDeadLettered, long unexpected,
            long repeated, List<String> outstanding, List<String> replay, Map<String, Outcome> outcomes,
            List<String> evalIds) {
    }

    private final Set<String> outstandingTrain = new LinkedHashSet<>();
    private final Set<String> replayTrain = new LinkedHashSet<>();
    private final Set<String> scoredTrainIds = new HashSet<>();
    private final Map<String, Outcome> outcomes = new LinkedHashMap<>();
    private final Set<String> outstandingEval = new HashSet<>();
    private final Set<String> evalIds = new LinkedHashSet<>();
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
    private long repeated;

    public void publishedTrain(String groupId) {
        outstandingTrain.add(groupId);
        published++;
    }

    public void publishedEval(String groupId) {
        outstandingEval.add(groupId);
        evalIds.add(groupId);
        evalPublished++;
    }

    /**
     * Records a scored training group. Returns false for a group this run never published (counted as
     * {@code unexpected}) or one it already received (counted as {@code repeated}).
     */
    public boolean scoredTrain(String groupId) {
        if (!outstandingTrain.remove(groupId)) {
            if (scoredTrainIds.contains(groupId) || outcomes.containsKey(groupId)) {
                repeated++;
            } else {
                unexpected++;
            }
            return false;
        }
        scoredTrainIds.add(groupId);
        scored++;
        return true;
    }

    /**
     * Returns true when {@code groupId} was scored but not yet trained when the checkpoint this run resumed from
     * was written: the group goes straight back into the batch buffer, counted once already.
     */
    public boolean replayed(String groupId) {
        return replayTrain.remove(groupId);
    }

    /** Records a scored evaluation group; returns false for a group this run never published or already saw. */
    public boolean scoredEval(String groupId) {
        if (!outstandingEval.remove(groupId)) {
            if (evalIds.contains(groupId)) {
                repeated++;
            } else {
                unexpected++;
            }
            return false;
        }
        evalScored++;
        return true;
    }

    /**
     * Records a group id seen on a dead-letter topic; ids of other runs and of settled groups are ignored.
     *
     * @return whether the id was an outstanding training group of this run
     */
    public boolean deadLettered(String groupId) {
        if (outstandingTrain.remove(groupId)) {
            settle(groupId, Outcome.DEAD_LETTERED);
            deadLettered++;
            return true;
        }
        if (outstandingEval.remove(groupId)) {
            evalDeadLettered++;
        }
        return false;
    }

    /**
     * Records one optimizer batch.
     *
     * @throws IllegalStateException when a group was never scored or already has an outcome: training it would
     *                               train a group twice or train one the ledger cannot account for
     */
    public void trained(List<String> groupIds) {
        for (String groupId : groupIds) {
            requireScored(groupId, Outcome.TRAINED);
            settle(groupId, Outcome.TRAINED);
            trained++;
        }
    }

    public void droppedStale(String groupId) {
        requireScored(groupId, Outcome.DROPPED_STALE);
        settle(groupId, Outcome.DROPPED_STALE);
        droppedStale++;
    }

    public void filtered(String groupId) {
        requireScored(groupId, Outcome.FILTERED);
        settle(groupId, Outcome.FILTERED);
        filtered++;
    }

    /** Training groups dropped as stale so far. */
    public long droppedStaleCount() {
        return droppedStale;
    }

    /** Training groups published and not settled: not yet scored, or expected again after a resume. */
    public int outstandingTrain() {
        return outstandingTrain.size() + replayTrain.size();
    }

    public int outstandingEval() {
        return outstandingEval.size();
    }

    /** Ids of training groups whose scored record is still needed: outstanding, or expected again after a resume. */
    public Set<String> unscoredTrainIds() {
        Set<String> ids = new LinkedHashSet<>(outstandingTrain);
        ids.addAll(replayTrain);
        return ids;
    }

    public boolean balanced() {
        return outstandingTrain.isEmpty() && replayTrain.isEmpty() && published == scored + deadLettered
                && scored == trained + droppedStale + filtered && outcomes.size() == published;
    }

    /**
     * Returns the state a checkpoint stores.
     *
     * @param buffered training groups scored and waiting in the batch buffer; a resumed run expects them again
     */
    public State state(List<String> buffered) {
        List<String> replay = new ArrayList<>(replayTrain);
        replay.addAll(buffered);
        return new State(published, scored, trained, droppedStale, filtered, deadLettered, evalPublished, evalScored,
                evalDeadLettered, unexpected, repeated, List.copyOf(outstandingTrain), replay,
                new LinkedHashMap<>(outcomes), List.copyOf(evalIds));
    }

    /** Returns a ledger that continues from a checkpoint's state. */
    public static Ledger restore(State state) {
        Ledger ledger = new Ledger();
        ledger.published = state.published();
        ledger.scored = state.scored();
        ledger.trained = state.trained();
        ledger.droppedStale = state.droppedStale();
        ledger.filtered = state.filtered();
        ledger.deadLettered = state.deadLettered();
        ledger.evalPublished = state.evalPublished();
        ledger.evalScored = state.evalScored();
        ledger.evalDeadLettered = state.evalDeadLettered();
        ledger.unexpected = state.unexpected();
        ledger.repeated = state.repeated();
        ledger.outstandingTrain.addAll(state.outstanding());
        ledger.replayTrain.addAll(state.replay());
        ledger.scoredTrainIds.addAll(state.replay());
        ledger.outcomes.putAll(state.outcomes());
        state.outcomes().forEach((id, outcome) -> {
            if (outcome != Outcome.DEAD_LETTERED) {
                ledger.scoredTrainIds.add(id);
            }
        });
        ledger.evalIds.addAll(state.evalIds());
        return ledger;
    }

    /** Training group ids by outcome, and those still in flight, as {@code ledger.json} lists them. */
    public Map<String, Object> groups() {
        Map<String, List<String>> byOutcome = new LinkedHashMap<>();
        for (Outcome outcome : Outcome.values()) {
            byOutcome.put(outcome.key(), new ArrayList<>());
        }
        outcomes.forEach((id, outcome) -> byOutcome.get(outcome.key()).add(id));
        Map<String, Object> groups = new LinkedHashMap<>(byOutcome);
        groups.put("in_flight", List.copyOf(unscoredTrainIds()));
        return groups;
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
        map.put("in_flight", outstandingTrain());
        map.put("unexpected", unexpected);
        map.put("repeated", repeated);
        map.put("eval", eval);
        map.put("balanced", balanced());
        return map;
    }

    private void requireScored(String groupId, Outcome outcome) {
        if (!scoredTrainIds.contains(groupId)) {
            throw new IllegalStateException("group " + groupId + " cannot be " + outcome.key()
                    + ": the ledger has no scored record of it");
        }
    }

    private void settle(String groupId, Outcome outcome) {
        Outcome earlier = outcomes.putIfAbsent(groupId, outcome);
        if (earlier != null) {
            throw new IllegalStateException("group " + groupId + " is already " + earlier.key() + " and cannot be "
                    + outcome.key() + " as well; a group is trained at most once");
        }
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
