package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDManager;
import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.training.SequenceBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The completions of one GRPO step's scored groups, flattened to rows, with their group-relative
 * advantages. Rows keep the order of the groups and of the completions within each group.
 */
final class RolloutBatch {

    /**
     * One completion.
     *
     * @param groupId id of its group, which decides the advantage
     * @param promptIds encoded prompt
     * @param completionIds sampled tokens, possibly right-padded after an end-of-sequence token
     * @param behaviourLogProbs log-prob of each sampled token under the policy that sampled it
     * @param reward weighted total score, {@code null} when it could not be scored
     * @param truncated whether sampling stopped at the length limit
     * @param stale whether an older policy version than the one the step starts from sampled it
     */
    record Row(String groupId, int[] promptIds, int[] completionIds, float[] behaviourLogProbs, Double reward,
            boolean truncated, boolean stale) {
    }

    private final List<Row> rows;
    private final double[] advantages;
    private final double temperature;

    private RolloutBatch(List<Row> rows, double[] advantages, double temperature) {
        this.rows = rows;
        this.advantages = advantages;
        this.temperature = temperature;
    }

    /**
     * Flattens scored groups and computes their advantages.
     *
     * @param currentVersion policy version the step starts from; groups sampled by an older version are stale
     * @throws IllegalArgumentException for an empty batch, a group of fewer than two completions, or groups
     *     sampled at different temperatures
     */
    static RolloutBatch of(List<ScoredGroup> groups, Tokenizer tokenizer, long currentVersion,
            GroupAdvantages advantages) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("a GRPO step needs at least one scored group");
        }
        double temperature = groups.get(0).group().prompt().sampling().temperature();
        List<Row> rows = new ArrayList<>();
        for (ScoredGroup group : groups) {
            check(group, temperature);
            int[] promptIds = PromptTokens.encode(tokenizer, group.group().prompt().text());
            boolean stale = group.group().policyVersion() < currentVersion;
            for (int i = 0; i < group.group().completions().size(); i++) {
                Completion completion = group.group().completions().get(i);
                rows.add(new Row(group.groupId(), promptIds, completion.tokenIds(), toFloats(completion.logProbs()),
                        group.scores().get(i).total(), completion.finishReason() == FinishReason.LENGTH, stale));
            }
        }
        List<String> ids = rows.stream().map(Row::groupId).toList();
        Double[] rewards = rows.stream().map(Row::reward).toArray(Double[]::new);
        return new RolloutBatch(List.copyOf(rows), advantages.forBatch(ids, rewards), temperature);
    }

    private static void check(ScoredGroup group, double temperature) {
        int size = group.group().completions().size();
        if (size < 2) {
            String completions = size == 1 ? " completion" : " completions";
            throw new IllegalArgumentException("group " + group.groupId() + " has " + size + completions + "; "
                    + "group-relative advantages need at least two, so set reasonflow.trainer.grpo.group-size >= 2");
        }
        double groupTemperature = group.group().prompt().sampling().temperature();
        if (groupTemperature != temperature) {
            throw new IllegalArgumentException("group " + group.groupId() + " was sampled at temperature "
                    + groupTemperature + " but the batch at " + temperature
                    + "; a GRPO batch needs one temperature so the log-prob ratios are comparable");
        }
    }

    int size() {
        return rows.size();
    }

    Row row(int index) {
        return rows.get(index);
    }

    double advantage(int index) {
        return advantages[index];
    }

    double temperature() {
        return temperature;
    }

    boolean hasStale() {
        return rows.stream().anyMatch(Row::stale);
    }

    /**
     * Returns the number of tokens of each row that count in the loss: up to and including the first
     * end-of-sequence token, or none for a truncated completion when {@code maskTruncated} is set.
     */
    int[] maskedLengths(Set<Integer> eosIds, boolean maskTruncated) {
        int[] lengths = new int[rows.size()];
        for (int i = 0; i < lengths.length; i++) {
            Row row = rows.get(i);
            lengths[i] = maskTruncated && row.truncated() ? 0 : SequenceBatch.keptLength(row.completionIds(), eosIds);
        }
        return lengths;
    }

    /**
     * Builds the left-padded batch of the given rows. Its completion mask ends at each completion's first
     * end-of-sequence token, found by position, so right padding after it is excluded even when the padding
     * id is itself an end-of-sequence id.
     */
    SequenceBatch sequences(NDManager manager, int[] indices, int padId, int maxLength, Set<Integer> eosIds) {
        List<int[]> prompts = new ArrayList<>(indices.length);
        List<int[]> completions = new ArrayList<>(indices.length);
        for (int index : indices) {
            prompts.add(rows.get(index).promptIds());
            completions.add(rows.get(index).completionIds());
        }
        return new SequenceBatch(manager, prompts, completions, padId, maxLength, eosIds);
    }

    /** Returns the behaviour log-probs of the given rows, one array per row. */
    List<float[]> behaviour(int[] indices) {
        List<float[]> values = new ArrayList<>(indices.length);
        for (int index : indices) {
            values.add(rows.get(index).behaviourLogProbs());
        }
        return values;
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
