package io.reasonflow.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CheckpointRandomTest {

    /** Draws of every kind the trainer and the libraries it calls use. */
    private static List<Object> draws(CheckpointRandom random) {
        List<Object> values = new ArrayList<>();
        values.add(random.nextLong());
        values.add(random.nextInt(10));
        values.add(random.nextInt());
        values.add(random.nextDouble());
        values.add(random.nextGaussian());
        values.add(random.nextBoolean());
        List<Integer> order = new ArrayList<>(IntStream.range(0, 20).boxed().toList());
        Collections.shuffle(order, random);
        values.add(order);
        return values;
    }

    @Test
    void restoredStateContinuesSequence() {
        CheckpointRandom random = CheckpointRandom.seeded(7);
        draws(random);
        random.nextGaussian();
        long state = random.state();

        List<Object> continued = draws(random);
        List<Object> resumed = draws(CheckpointRandom.fromState(state));

        assertThat(resumed).isEqualTo(continued);
    }

    @Test
    void sameSeedSameSequence() {
        assertThat(draws(CheckpointRandom.seeded(11))).isEqualTo(draws(CheckpointRandom.seeded(11)));
        assertThat(draws(CheckpointRandom.seeded(11))).isNotEqualTo(draws(CheckpointRandom.seeded(12)));
    }

    @Test
    void gaussianIsStandardNormal() {
        CheckpointRandom random = CheckpointRandom.seeded(3);
        double sum = 0;
        double squares = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            double value = random.nextGaussian();
            sum += value;
            squares += value * value;
        }
        assertThat(sum / n).isBetween(-0.03, 0.03);
        assertThat(squares / n).isBetween(0.95, 1.05);
    }
}
