package io.reasonflow.trainer.grpo;

import static io.reasonflow.trainer.grpo.GrpoFixtures.group;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.trainer.grpo.GrpoFixtures.Sample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DynamicSamplingTest {

    @Test
    void disabledKeepsEveryGroup() {
        DynamicSampling sampling = new DynamicSampling(false, 1);

        for (int i = 0; i < 5; i++) {
            assertThat(sampling.keep(scored(1.0, 1.0, 1.0))).isTrue();
        }
    }

    @Test
    void enabledDropsEqualRewards() {
        DynamicSampling sampling = new DynamicSampling(true, 64);

        assertThat(sampling.keep(scored(1.0, 1.0, 1.0))).isFalse();
        assertThat(sampling.keep(scored(0.0, 0.0, 0.0))).isFalse();
        assertThat(sampling.keep(scored(1.0, 0.0, 1.0))).isTrue();
    }

    @Test
    void unscoredCompletionsDoNotCount() {
        DynamicSampling sampling = new DynamicSampling(true, 64);

        assertThat(sampling.keep(scored(1.0, null, 1.0))).isFalse();
        assertThat(sampling.keep(scored(null, 1.0, null))).isFalse();
        assertThat(sampling.keep(scored(null, 1.0, 0.0))).isTrue();
    }

    @Test
    void keepsGroupAfterMaxSkips() {
        DynamicSampling sampling = new DynamicSampling(true, 2);
        List<Boolean> kept = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            kept.add(sampling.keep(scored(1.0, 1.0, 1.0)));
        }

        assertThat(kept).containsExactly(false, false, true, false, false, true);
    }

    @Test
    void signalResetsSkipCount() {
        DynamicSampling sampling = new DynamicSampling(true, 2);

        assertThat(sampling.keep(scored(1.0, 1.0))).isFalse();
        assertThat(sampling.keep(scored(1.0, 0.0))).isTrue();
        assertThat(sampling.keep(scored(1.0, 1.0))).isFalse();
        assertThat(sampling.keep(scored(1.0, 1.0))).isFalse();
    }

    @Test
    void maxSkipsBelowOneIsRejected() {
        assertThatThrownBy(() -> new DynamicSampling(true, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxSkips is 0, expected >= 1");
    }

    @Test
    void restoredCountContinuesSkipping() {
        DynamicSampling sampling = new DynamicSampling(true, 2);
        sampling.restoreSkippedInARow(2);

        assertThat(sampling.skippedInARow()).isEqualTo(2);
        assertThat(sampling.keep(scored(1.0, 1.0))).isTrue();
        assertThat(sampling.skippedInARow()).isZero();
    }

    private static ScoredGroup scored(Double... rewards) {
        List<Sample> samples = new ArrayList<>();
        for (Double reward : rewards) {
            int[] tokens = {'1', ByteTokenizer.EOS};
            samples.add(Sample.of(tokens, new double[] {-1, -1}, FinishReason.STOP, reward));
        }
        return group("g", "User: 1\nAssistant: ", 0, samples);
    }
}
