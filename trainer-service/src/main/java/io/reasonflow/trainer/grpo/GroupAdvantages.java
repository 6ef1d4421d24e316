package io.reasonflow.trainer.grpo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Group-relative advantages of GRPO completions: {@code A_i = (r_i - mean_g) / divisor_g}, where g
 * is the group of completion i, identified by its group id and never by its position in a batch,
 * and the divisor comes from the {@link AdvantageScaling}.
 *
 * <p>Degenerate cases, decided before any division:
 * <ul>
 *   <li>a {@code null} reward (the completion could not be scored) gets advantage 0 and takes no
 *       part in the group mean or in any standard deviation, because a missing score carries no
 *       information about how good the completion was;</li>
 *   <li>a group with fewer than two scored completions, or whose scored rewards are all equal, gets
 *       exactly 0 everywhere: there is nothing to compare against, and the zero standard deviation
 *       would otherwise turn 0 / 0 into NaN.</li>
 * </ul>
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
     * Returns whether a group's rewards carry a learning signal: at least two scored completions
     * whose rewards are not all equal. Groups without one get advantage 0 everywhere.
     *
     * @param rewards reward per completion, {@code null} where not scored
     */
    public static boolean hasSignal(Double[] rewards) {
        Double first = null;
        for (Double reward : rewards) {
            if (reward == null) {
                continue;
            }
            if (first == null) {
                first = reward;
            } else if (first.doubleValue() != reward.doubleValue()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Computes the advantages of one group, which is then the whole batch.
     *
     * @param rewards reward per completion of the group, {@code null} where not scored
     * @return advantage per completion, in the same order
     * @throws IllegalArgumentException when a reward is NaN or infinite
     */
    public double[] forGroup(Double[] rewards) {
        Objects.requireNonNull(rewards, "rewards");
        List<Integer> ids = new ArrayList<>(rewards.length);
        for (int i = 0; i < rewards.length; i++) {
            ids.add(0);
        }
        return forBatch(ids, rewards);
    }

    /**
     * Computes advantages for a batch that mixes several groups, grouping completions by id.
     *
     * <p>Completions of one group need not be adjacent: only equal ids form a group.
     *
     * @param groupIds group id per completion
     * @param rewards reward per completion, {@code null} where not scored
     * @return advantage per completion, in the input order
     * @throws IllegalArgumentException when the lengths differ, an id is null, or a reward is NaN
     *     or infinite
     */
    public <K> double[] forBatch(List<K> groupIds, Double[] rewards) {
        Objects.requireNonNull(groupIds, "groupIds");
        Objects.requireNonNull(rewards, "rewards");
        if (groupIds.size() != rewards.length) {
            throw new IllegalArgumentException("groupIds and rewards differ in length: "
                    + groupIds.size() + " ids, " + rewards.length + " rewards");
        }
        checkFinite(rewards);
        List<List<Integer>> groups = positionsByGroup(groupIds);
        List<double[]> scoredRewards = new ArrayList<>(groups.size());
        for (List<Integer> positions : groups) {
            scoredRewards.add(scored(positions, rewards));
        }
        double[] divisors = scaling.divisors(scoredRewards);
        double[] advantages = new double[rewards.length];
        for (int g = 0; g < groups.size(); g++) {
            List<Integer> positions = groups.get(g);
            Double[] groupRewards = positions.stream().map(i -> rewards[i]).toArray(Double[]::new);
            if (!hasSignal(groupRewards)) {
                continue;
            }
            double mean = AdvantageScaling.mean(scoredRewards.get(g));
            for (int position : positions) {
                if (rewards[position] != null) {
                    advantages[position] = (rewards[position] - mean) / divisors[g];
                }
            }
        }
        return advantages;
    }

    private static <K> List<List<Integer>> positionsByGroup(List<K> groupIds) {
        Map<K, List<Integer>> positions = new LinkedHashMap<>();
        for (int i = 0; i < groupIds.size(); i++) {
            K id = groupIds.get(i);
            if (id == null) {
                throw new IllegalArgumentException("group id is null at index " + i);
            }
            positions.computeIfAbsent(id, key -> new ArrayList<>()).add(i);
        }
        return new ArrayList<>(positions.values());
    }

    private static double[] scored(List<Integer> positions, Double[] rewards) {
        return positions.stream().map(i -> rewards[i]).filter(Objects::nonNull)
                .mapToDouble(Double::doubleValue).toArray();
    }

    private static void checkFinite(Double[] rewards) {
        for (int i = 0; i < rewards.length; i++) {
            if (rewards[i] != null && !Double.isFinite(rewards[i])) {
                throw new IllegalArgumentException("reward at index " + i + " is " + rewards[i]
                        + "; rewards must be finite or null");
            }
        }
    }
}
