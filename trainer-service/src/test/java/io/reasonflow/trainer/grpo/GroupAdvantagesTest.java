package io.reasonflow.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class GroupAdvantagesTest {

    private static final double TOLERANCE = 1e-3;

    private final GroupAdvantages population = new GroupAdvantages(GroupStd.population());
    private final GroupAdvantages sample = new GroupAdvantages(GroupStd.sample());
    private final GroupAdvantages centred = new GroupAdvantages(new NoScaling());

    @Test
    void populationStdOfHalfCorrectGroup() {
        // mean 0.5, population std sqrt(0.25) = 0.5, so A = ±0.5 / 0.5 = ±1.
        double[] advantages = population.forGroup(new Double[] {1.0, 0.0, 0.0, 1.0});

        assertThat(advantages).containsExactly(new double[] {1.0, -1.0, -1.0, 1.0}, within(TOLERANCE));
    }

    @Test
    void sampleStdOfHalfCorrectGroup() {
        // mean 0.5, sample std sqrt(1/3) = 0.57735, so A = ±0.5 / 0.57735 = ±0.866.
        double[] advantages = sample.forGroup(new Double[] {1.0, 0.0, 0.0, 1.0});

        assertThat(advantages).containsExactly(new double[] {0.866, -0.866, -0.866, 0.866}, within(TOLERANCE));
    }

    @Test
    void sampleStdWithoutEpsilonIsExact() {
        GroupAdvantages exact = new GroupAdvantages(new GroupStd(StdEstimator.SAMPLE, 0.0));

        double[] advantages = exact.forGroup(new Double[] {1.0, 0.0, 0.0, 1.0});

        assertThat(advantages[0]).isCloseTo(0.5 / Math.sqrt(1.0 / 3.0), within(1e-12));
        assertThat(advantages[1]).isCloseTo(-0.5 / Math.sqrt(1.0 / 3.0), within(1e-12));
    }

    @Test
    void equalRewardsGiveExactZeros() {
        Double[][] groups = {{1.0, 1.0, 1.0}, {0.0, 0.0}, {0.1, 0.1, 0.1}, {0.7, null, 0.7}};
        for (GroupAdvantages advantages : List.of(population, sample, centred)) {
            for (Double[] group : groups) {
                assertThat(advantages.forGroup(group)).containsOnly(0.0);
            }
        }
    }

    @Test
    void unscoredCompletionGetsZero() {
        Double[] rewards = {1.0, null, 0.0};

        assertThat(population.forGroup(rewards)).containsExactly(new double[] {1.0, 0.0, -1.0}, within(TOLERANCE));
        assertThat(sample.forGroup(rewards)).containsExactly(new double[] {0.7071, 0.0, -0.7071}, within(TOLERANCE));
        assertThat(centred.forGroup(rewards)).containsExactly(0.5, 0.0, -0.5);
    }

    @Test
    void singleScoredCompletionGivesZeros() {
        assertThat(population.forGroup(new Double[] {null, 1.0, null})).containsExactly(0.0, 0.0, 0.0);
        assertThat(sample.forGroup(new Double[] {null, 1.0, null})).containsExactly(0.0, 0.0, 0.0);
        assertThat(centred.forGroup(new Double[] {null, null})).containsExactly(0.0, 0.0);
        assertThat(centred.forGroup(new Double[0])).isEmpty();
    }

    @Test
    void noScalingOnlyCentres() {
        double[] advantages = centred.forGroup(new Double[] {1.0, 0.0, 0.0, 1.0});

        assertThat(advantages).containsExactly(0.5, -0.5, -0.5, 0.5);
    }

    @Test
    void batchGroupsByIdNotPosition() {
        List<String> ids = List.of("a", "b", "a", "b", "a", "b");
        Double[] rewards = {1.0, 0.0, 0.0, 0.0, 1.0, 0.0};

        double[] advantages = centred.forBatch(ids, rewards);

        // Group a = [1, 0, 1] has mean 2/3, and group b = [0, 0, 0] is constant.
        double third = 1.0 / 3.0;
        assertThat(advantages).containsExactly(new double[] {third, 0.0, -2 * third, 0.0, third, 0.0},
                within(1e-12));
    }

    @Test
    void batchMatchesPerGroupResults() {
        List<Integer> ids = List.of(7, 3, 7, 3, 7, 3, 7);
        Double[] rewards = {1.0, 0.5, null, 0.0, 0.0, 1.0, 1.0};

        double[] advantages = sample.forBatch(ids, rewards);

        double[] seven = sample.forGroup(new Double[] {1.0, null, 0.0, 1.0});
        double[] three = sample.forGroup(new Double[] {0.5, 0.0, 1.0});
        assertThat(advantages).containsExactly(seven[0], three[0], seven[1], three[1], seven[2], three[2], seven[3]);
    }

    @Test
    void batchStdDividesEveryGroupAlike() {
        // Group a = [1, 0] and group b = [1, 1, 1, 0]: all six rewards have mean 2/3 and population
        // std sqrt(2/9) = 0.4714, which divides the centred rewards of both groups.
        GroupAdvantages batchStd = new GroupAdvantages(new BatchStd(StdEstimator.POPULATION, 0.0));
        List<String> ids = List.of("a", "a", "b", "b", "b", "b");
        Double[] rewards = {1.0, 0.0, 1.0, 1.0, 1.0, 0.0};

        double[] advantages = batchStd.forBatch(ids, rewards);

        double std = Math.sqrt(2.0 / 9.0);
        assertThat(advantages).containsExactly(new double[] {0.5 / std, -0.5 / std, 0.25 / std, 0.25 / std,
                0.25 / std, -0.75 / std}, within(1e-12));
    }

    @Test
    void batchStdCountsConstantGroups() {
        // The constant group b = [0, 0] gets 0 but its rewards widen the batch: [1, 0, 0, 0] has
        // sample std sqrt(0.25) = 0.5, so group a's ±0.5 becomes ±1.
        GroupAdvantages batchStd = new GroupAdvantages(new BatchStd(StdEstimator.SAMPLE, 0.0));

        double[] advantages = batchStd.forBatch(List.of("a", "a", "b", "b"), new Double[] {1.0, 0.0, 0.0, 0.0});

        assertThat(advantages).containsExactly(new double[] {1.0, -1.0, 0.0, 0.0}, within(1e-12));
    }

    @Test
    void groupStdDiffersFromBatchStd() {
        List<String> ids = List.of("a", "a", "b", "b", "b", "b");
        Double[] rewards = {1.0, 0.0, 1.0, 1.0, 1.0, 0.0};

        double[] perGroup = new GroupAdvantages(new GroupStd(StdEstimator.POPULATION, 0.0)).forBatch(ids, rewards);

        // Group a: std 0.5, A = ±1. Group b: mean 0.75, std sqrt(3)/4, A = 0.25 / 0.4330 = 0.5774.
        assertThat(perGroup[0]).isCloseTo(1.0, within(1e-12));
        assertThat(perGroup[2]).isCloseTo(0.25 / (Math.sqrt(3.0) / 4.0), within(1e-12));
    }

    @Test
    void allScalingsStayFiniteWithNulls() {
        List<String> ids = List.of("a", "a", "a", "b", "b", "b");
        Double[] rewards = {null, 1.0, null, 0.5, null, 0.5};
        for (AdvantageScaling scaling : List.of(GroupStd.sample(), GroupStd.population(),
                new BatchStd(StdEstimator.SAMPLE, 0.0), new NoScaling())) {
            double[] advantages = new GroupAdvantages(scaling).forBatch(ids, rewards);

            assertThat(advantages).as(scaling.toString()).containsOnly(0.0);
        }
    }

    @Test
    void signalNeedsTwoDistinctScores() {
        assertThat(GroupAdvantages.hasSignal(new Double[] {1.0, 0.0})).isTrue();
        assertThat(GroupAdvantages.hasSignal(new Double[] {null, 1.0, 0.0})).isTrue();
        assertThat(GroupAdvantages.hasSignal(new Double[] {1.0, 1.0})).isFalse();
        assertThat(GroupAdvantages.hasSignal(new Double[] {null, 1.0, null})).isFalse();
        assertThat(GroupAdvantages.hasSignal(new Double[] {0.0, -0.0})).isFalse();
        assertThat(GroupAdvantages.hasSignal(new Double[0])).isFalse();
    }

    @Test
    void nonFiniteRewardIsRejected() {
        assertThatThrownBy(() -> sample.forGroup(new Double[] {1.0, Double.NaN}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index 1");
        assertThatThrownBy(() -> sample.forGroup(new Double[] {Double.POSITIVE_INFINITY, 0.0}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batchRejectsMismatchedInputs() {
        assertThatThrownBy(() -> sample.forBatch(List.of("a"), new Double[] {1.0, 0.0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("differ in length");
        assertThatThrownBy(() -> sample.forBatch(java.util.Arrays.asList("a", null), new Double[] {1.0, 0.0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index 1");
    }

    @Test
    void invalidEpsilonIsRejected() {
        assertThatThrownBy(() -> new GroupStd(StdEstimator.SAMPLE, -1e-4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GroupStd(null, 1e-4)).isInstanceOf(IllegalArgumentException.class);
    }
}
