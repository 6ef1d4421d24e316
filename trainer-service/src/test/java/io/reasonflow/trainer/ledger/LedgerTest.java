package io.reasonflow.trainer.ledger;

import static org.assertj.core.api.Assertions.assertThat;

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
        ledger.trained(3);
        ledger.droppedStale();
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

        assertThat(ledger.toMap()).containsEntry("scored", 1L).containsEntry("unexpected", 2L)
                .containsEntry("dead_lettered", 0L);
    }

    @Test
    void missingTrainingStepUnbalances() {
        Ledger ledger = new Ledger();
        ledger.publishedTrain("g0");
        ledger.scoredTrain("g0");

        assertThat(ledger.balanced()).isFalse();
    }
}
