package io.reasonflow.model.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WarmupCosineScheduleTest {

    @Test
    void warmsUpThenDecaysToFloor() {
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(0.01, 5, 100, 0.1);

        assertThat(schedule.rate(1)).isCloseTo(0.002, within(1e-12));
        assertThat(schedule.rate(5)).isCloseTo(0.01, within(1e-12));
        // Step 52 is 47/95 of the way through the decay, so the rate is close to 0.01 * (0.1 + 0.9 * 0.5).
        assertThat(schedule.rate(52)).isCloseTo(0.01 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 47 / 95))),
                within(1e-12));
        assertThat(schedule.rate(100)).isCloseTo(0.001, within(1e-12));
        assertThat(schedule.rate(130)).isCloseTo(0.001, within(1e-12));
    }

    @Test
    void constantWithoutWarmupOrDecay() {
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(5e-5, 0, 20, 1.0);

        for (int step = 1; step <= 20; step++) {
            assertThat(schedule.rate(step)).isEqualTo(5e-5);
        }
    }

    @Test
    void decayWithoutWarmupStartsBelowPeak() {
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(1.0, 0, 4, 0.0);

        assertThat(schedule.rate(2)).isCloseTo(0.5, within(1e-12));
        assertThat(schedule.rate(0)).isEqualTo(1.0);
        assertThat(schedule.rate(4)).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void invalidSettingsAreRejected() {
        assertThatThrownBy(() -> new WarmupCosineSchedule(-1, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("peak is -1.0");
        assertThatThrownBy(() -> new WarmupCosineSchedule(1, -1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("warmupSteps is -1");
        assertThatThrownBy(() -> new WarmupCosineSchedule(1, 0, 1, 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("finalRatio is 1.5");
    }
}
