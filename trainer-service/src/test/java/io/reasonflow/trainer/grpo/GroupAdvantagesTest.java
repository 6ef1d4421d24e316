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
        GroupAdvantages exact = new GroupAdvantages(new GroupStd(GroupStd.Estimator.SAMPLE, 0.0));

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
        assertThatThrownBy(() -> new GroupStd(GroupStd.Estimator.SAMPLE, -1e-4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GroupStd(null, 1e-4)).isInstanceOf(IllegalArgumentException.class);
    }
}
