package io.reasonflow.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenSelectorTest {

    private static SamplingOptions options(double temperature, double topP, int topK) {
        return new SamplingOptions(temperature, topP, topK, 10, Set.of(), List.of());
    }

    private static float[] logitsOf(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < probabilities.length; i++) {
            logits[i] = (float) Math.log(probabilities[i]);
        }
        return logits;
    }

    @Test
    void temperatureLogProbOfSampledToken() {
        float[] logits = {2.0f, 0.0f};
        SamplingOptions options = options(0.6, 1, 0);
        int sampledZero = 0;
        for (long seed = 0; seed < 20; seed++) {
            TokenSelector.Selection selection = TokenSelector.select(logits, 0, 2, options, new SplittableRandom(seed));
            if (selection.token() == 0) {
                sampledZero++;
                assertThat((double) selection.logProb()).isCloseTo(-0.035, within(5e-4));
            }
        }
        assertThat(sampledZero).isPositive();
        // log softmax([2, 0] / 0.6)[0] = -log(1 + exp(-10 / 3))
        assertThat(Math.log(TokenSelector.probabilities(logits, options)[0])).isCloseTo(-0.03505, within(1e-5));
    }

    @Test
    void topPKeepsSmallestSetReachingMass() {
        double[] probabilities = TokenSelector.probabilities(logitsOf(0.3, 0.1, 0.1, 0.5), options(1, 0.8, 0));
        assertThat(probabilities[3]).isCloseTo(0.5 / 0.8, within(1e-6));
        assertThat(probabilities[0]).isCloseTo(0.3 / 0.8, within(1e-6));
        assertThat(probabilities[1]).isZero();
        assertThat(probabilities[2]).isZero();
    }

    @Test
    void topPAlwaysKeepsTopToken() {
        double[] probabilities = TokenSelector.probabilities(logitsOf(0.3, 0.1, 0.1, 0.5), options(1, 0.01, 0));
        assertThat(probabilities).containsExactly(0, 0, 0, 1);
    }

    @Test
    void topKKeepsMostLikelyTokens() {
        double[] probabilities = TokenSelector.probabilities(logitsOf(0.3, 0.1, 0.2, 0.4), options(1, 1, 2));
        assertThat(probabilities[3]).isCloseTo(0.4 / 0.7, within(1e-6));
        assertThat(probabilities[0]).isCloseTo(0.3 / 0.7, within(1e-6));
        assertThat(probabilities[1]).isZero();
        assertThat(probabilities[2]).isZero();
    }

    @Test
    void topPAppliesAfterTopK() {
        // After top-k 3: 0.4/0.9, 0.3/0.9, 0.2/0.9 = 0.444, 0.333, 0.222; top-p 0.7 keeps the first two.
        double[] probabilities = TokenSelector.probabilities(logitsOf(0.3, 0.1, 0.2, 0.4), options(1, 0.7, 3));
        assertThat(probabilities[3]).isCloseTo(0.4 / 0.7, within(1e-6));
        assertThat(probabilities[0]).isCloseTo(0.3 / 0.7, within(1e-6));
        assertThat(probabilities[2]).isZero();
    }

    @Test
    void sampledLogProbIsRenormalisedAfterTruncation() {
        float[] logits = logitsOf(0.3, 0.1, 0.1, 0.5);
        for (long seed = 0; seed < 10; seed++) {
            TokenSelector.Selection selection = TokenSelector.select(logits, 0, 4, options(1, 0.8, 0),
                    new SplittableRandom(seed));
            assertThat(selection.token()).isIn(0, 3);
            double expected = selection.token() == 3 ? Math.log(0.5 / 0.8) : Math.log(0.3 / 0.8);
            assertThat((double) selection.logProb()).isCloseTo(expected, within(1e-6));
        }
    }

    @Test
    void temperatureZeroPicksArgmax() {
        TokenSelector.Selection selection = TokenSelector.select(new float[] {1, 2}, 0, 2, options(0, 1, 0),
                new SplittableRandom(1));
        assertThat(selection.token()).isEqualTo(1);
        // log-prob under the untempered softmax: log(e^2 / (e^1 + e^2))
        assertThat((double) selection.logProb()).isCloseTo(-Math.log(1 + Math.exp(-1)), within(1e-6));
    }

    @Test
    void selectReadsRowAtOffset() {
        float[] rows = {5, 0, 0, 0, 0, 9};
        TokenSelector.Selection selection = TokenSelector.select(rows, 3, 3, options(0, 1, 0),
                new SplittableRandom(1));
        assertThat(selection.token()).isEqualTo(2);
    }

    @Test
    void samplingFrequenciesFollowProbabilities() {
        float[] logits = logitsOf(0.2, 0.8);
        SplittableRandom random = new SplittableRandom(42);
        int ones = 0;
        for (int i = 0; i < 4000; i++) {
            ones += TokenSelector.select(logits, 0, 2, options(1, 1, 0), random).token();
        }
        assertThat(ones / 4000.0).isCloseTo(0.8, within(0.03));
    }
}
