package io.reasonflow.trainer.grpo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Advantages of GRPO completions, computed within each group of completions for one prompt.
 *
 * <p>Rules, applied before the {@link AdvantageScaling}: a {@code null} reward (not scored) gets
 * advantage 0 and takes no part in the group mean or standard deviation. A group with fewer than
 * two scored completions, or whose scored rewards are all equal, gets exactly 0 everywhere, so no
 * division by a zero standard deviation can produce NaN.
 */
public final class GroupAdvantages {

    private final AdvantageScaling scaling;

    /** Creates a calculator with the given scaling, for example {@link GroupStd#sample()}. */
    public GroupAdvantages(AdvantageScaling scaling) {
        this.scaling = Objects.requireNonNull(scaling, "scaling");
    }

    /** Returns the scaling strategy. */
    public AdvantageScaling scaling() {
        return scaling;
    }

    /**
     * Computes the advantages of one group.
     *
     * @param rewards reward per completion of the group, {@code null} where not scored
     * @return advantage per completion, in the same order
     * @throws IllegalArgumentException when a reward is NaN or infinite
     */
    public double[] forGroup(Double[] rewards) {
        Objects.requireNonNull(rewards, "rewards");
        double[] scored = scoredRewards(rewards);
        double[] advantages = new double[rewards.length];
        if (scored.length < 2 || allEqual(scored)) {
            return advantages;
        }
        double[] scaled = scaling.advantages(scored);
        int next = 0;
        for (int i = 0; i < rewards.length; i++) {
            if (rewards[i] != null) {
                advantages[i] = scaled[next++];
            }
        }
        return advantages;
    }

    /**
     * Computes advantages for a batch that mixes several groups, grouping completions by id.
     *
     * <p>Completions of one group need not be adjacent: only equal ids form a group, never
     * positions in the batch.
     *
     * @param groupIds group id per completion
     * @param rewards reward per completion, {@code null} where not scored
     * @return advantage per completion, in the input order
     */
    public <K> double[] forBatch(List<K> groupIds, Double[] rewards) {
        Objects.requireNonNull(groupIds, "groupIds");
        Objects.requireNonNull(rewards, "rewards");
        if (groupIds.size() != rewards.length) {
            throw new IllegalArgumentException("groupIds and rewards differ in length: "
                    + groupIds.size() + " ids, " + rewards.length + " rewards");
        }
        Map<K, List<Integer>> positionsByGroup = new LinkedHashMap<>();
        for (int i = 0; i < rewards.length; i++) {
            K id = groupIds.get(i);
            if (id == null) {
                throw new IllegalArgumentException("group id is null at index " + i);
            }
            positionsByGroup.computeIfAbsent(id, key -> new ArrayList<>()).add(i);
        }
        double[] advantages = new double[rewards.length];
        for (List<Integer> positions : positionsByGroup.values()) {
            Double[] groupRewards = new Double[positions.size()];
            for (int j = 0; j < positions.size(); j++) {
                groupRewards[j] = rewards[positions.get(j)];
            }
            double[] groupAdvantages = forGroup(groupRewards);
            for (int j = 0; j < positions.size(); j++) {
                advantages[positions.get(j)] = groupAdvantages[j];
            }
        }
        return advantages;
    }

    private static double[] scoredRewards(Double[] rewards) {
        List<Double> scored = new ArrayList<>();
        for (int i = 0; i < rewards.length; i++) {
            Double reward = rewards[i];
            if (reward != null && !Double.isFinite(reward)) {
                throw new IllegalArgumentException("reward at index " + i + " is " + reward
                        + "; rewards must be finite or null");
            }
            if (reward != null) {
                scored.add(reward);
            }
        }
        return scored.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static boolean allEqual(double[] values) {
        for (double value : values) {
            if (value != values[0]) {
                return false;
            }
        }
        return true;
    }
}
