package io.reasonflow.trainer.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LedgerTest {

    @Test
    void balancesWhenEveryGroupAccountedFor() {
        Ledger ledger = new Ledger();
        for (int i = 0; i < 5; i++) {
            ledger.publishedTrain("g" + i);
        }
        ledger.publishedEval("e0");
        assertThat(ledger.balanced()).isFalse();

        ledger.scoredTrain("g0");
        ledger.scoredTrain("g1");
        ledger.scoredTrain("g2");
        ledger.scoredTrain("g3");
        ledger.deadLettered("g4");
        ledger.trained(List.of("g0", "g1", "g2"));
        ledger.droppedStale("g3");
        ledger.scoredEval("e0");

        assertThat(ledger.balanced()).isTrue();
        assertThat(ledger.toMap()).containsEntry("published", 5L).containsEntry("scored", 4L)
                .containsEntry("trained", 3L).containsEntry("dropped_stale", 1L).containsEntry("dead_lettered", 1L);
    }

    @Test
    void duplicateOrForeignGroupIsNotCounted() {
        Ledger ledger = new Ledger();
        ledger.publishedTrain("g0");

        assertThat(ledger.scoredTrain("g0")).isTrue();
        assertThat(ledger.scoredTrain("g0")).isFalse();
        assertThat(ledger.scoredTrain("other-run-g0")).isFalse();
        ledger.deadLettered("other-run-g1");

        assertThat(ledger.toMap()).containsEntry("scored", 1L).containsEntry("unexpected", 1L)
                .containsEntry("repeated", 1L).containsEntry("dead_lettered", 0L);
    }

    @Test
    void groupTrainedTwiceIsRejected() {
        Ledger ledger = new Ledger();
        ledger.publishedTrain("g0");
        ledger.scoredTrain("g0");
        ledger.trained(List.of("g0"));

        assertThatThrownBy(() -> ledger.trained(List.of("g0"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("g0").hasMessageContaining("already trained");
        assertThatThrownBy(() -> ledger.trained(List.of("never-scored"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no scored record");
    }

    @Test
    void restoredLedgerExpectsBufferedGroups() {
        Ledger ledger = new Ledger();
        for (int i = 0; i < 4; i++) {
            ledger.publishedTrain("g" + i);
        }
        ledger.scoredTrain("g0");
        ledger.scoredTrain("g1");
        ledger.trained(List.of("g0"));

        Ledger resumed = Ledger.restore(ledger.state(List.of("g1")));

        assertThat(resumed.outstandingTrain()).isEqualTo(3);
        assertThat(resumed.scoredTrain("g0")).as("trained before the checkpoint").isFalse();
        assertThat(resumed.replayed("g1")).isTrue();
        assertThat(resumed.replayed("g1")).as("expected once only").isFalse();
        assertThat(resumed.scoredTrain("g2")).isTrue();
        resumed.deadLettered("g3");
        resumed.trained(List.of("g1", "g2"));

        assertThat(resumed.balanced()).isTrue();
        assertThat(resumed.toMap()).containsEntry("published", 4L).containsEntry("scored", 3L)
                .containsEntry("trained", 3L).containsEntry("repeated", 1L).containsEntry("unexpected", 0L);
        assertThat(resumed.groups()).containsEntry("trained", List.of("g0", "g1", "g2"))
                .containsEntry("dead_lettered", List.of("g3"));
    }

    @Test
    void missingTrainingStepUnbalances() {
        Ledger ledger = new Ledger();
        ledger.publishedTrain("g0");
        ledger.scoredTrain("g0");

        assertThat(ledger.balanced()).isFalse();
    }
}
