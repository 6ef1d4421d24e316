package io.reasonflow.rollout.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {
    private static final TopicPartition P0 = new TopicPartition("reasonflow.prompts", 0);
    private static final TopicPartition P1 = new TopicPartition("reasonflow.prompts", 1);

    @Test
    void commitsUpToTheFirstRecordNotDone() {
        OffsetLedger ledger = new OffsetLedger();
        for (long offset = 10; offset < 14; offset++) {
            ledger.read(P0, offset);
        }
        ledger.done(P0, 10);
        ledger.done(P0, 12);

        assertThat(ledger.toCommit()).isEqualTo(Map.of(P0, new OffsetAndMetadata(11)));

        ledger.done(P0, 11);
        ledger.done(P0, 13);
        assertThat(ledger.toCommit()).isEqualTo(Map.of(P0, new OffsetAndMetadata(14)));
        assertThat(ledger.outstanding()).isZero();
    }

    @Test
    void committedPositionsAreNotOfferedAgain() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.read(P0, 0);
        ledger.read(P1, 5);
        ledger.done(P0, 0);

        Map<TopicPartition, OffsetAndMetadata> first = ledger.toCommit();
        ledger.committed(first);

        assertThat(first).containsEntry(P0, new OffsetAndMetadata(1)).containsEntry(P1, new OffsetAndMetadata(5));
        assertThat(ledger.toCommit()).isEmpty();
        assertThat(ledger.anyOutstanding(List.of(P1))).isTrue();
        assertThat(ledger.anyOutstanding(List.of(P0))).isFalse();
    }

    @Test
    void forgottenPartitionsIgnoreLateCompletions() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.read(P0, 0);
        ledger.forget(List.of(P0));
        ledger.done(P0, 0);

        assertThat(ledger.toCommit()).isEmpty();
        assertThat(ledger.outstanding()).isZero();
    }
}
