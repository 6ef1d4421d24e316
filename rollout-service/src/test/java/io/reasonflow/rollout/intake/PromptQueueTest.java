package io.reasonflow.rollout.intake;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.SamplingSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PromptQueueTest {
    private static final SamplingSettings EIGHT_NEW = new SamplingSettings(4, 1.0, 1.0, 0, 8, List.of());
    private static final SamplingSettings GREEDY = new SamplingSettings(4, 0.0, 1.0, 0, 8, List.of());
    private static final List<List<QueuedPrompt>> NONE = new ArrayList<>();

    private static QueuedPrompt prompt(int partition, long offset, SamplingSettings sampling, int promptTokens) {
        PromptMessage message = new PromptMessage(Messages.SCHEMA_VERSION, "run", "g-" + partition + "-" + offset,
                "p", "arithmetic", "User: 1+1\nAssistant: ", "2", Purpose.TRAIN, sampling, 0);
        return new QueuedPrompt(new ConsumerRecord<>("reasonflow.prompts", partition, offset, "k", new byte[0]), message,
                promptTokens);
    }

    private static List<QueuedPrompt> take(PromptQueue queue) throws InterruptedException {
        List<List<QueuedPrompt>> seen = new ArrayList<>();
        List<QueuedPrompt> batch = queue.takeBatch(0, 0, () -> false, seen::add);
        assertThat(seen).as("the taken batch is reported once").containsExactly(batch);
        return batch;
    }

    @Test
    void packsPromptsUpToTheSequenceBudget() throws Exception {
        PromptQueue queue = new PromptQueue(8, 1_000_000);
        for (int i = 0; i < 5; i++) {
            queue.add(prompt(0, i, EIGHT_NEW, 10));
        }

        assertThat(take(queue)).extracting(QueuedPrompt::offset).containsExactly(0L, 1L);
        assertThat(take(queue)).extracting(QueuedPrompt::offset).containsExactly(2L, 3L);
        assertThat(take(queue)).extracting(QueuedPrompt::offset).containsExactly(4L);
        assertThat(queue.queuedSequences()).isZero();
    }

    @Test
    void tokenBudgetCountsPaddedRows() throws Exception {
        // Four rows of (10 + 8) tokens fit in 100; a second prompt of 20 tokens pads eight rows to 28: 224.
        PromptQueue queue = new PromptQueue(64, 100);
        queue.add(prompt(0, 0, EIGHT_NEW, 10));
        queue.add(prompt(0, 1, EIGHT_NEW, 20));

        assertThat(take(queue)).hasSize(1);
        assertThat(take(queue)).extracting(QueuedPrompt::offset).containsExactly(1L);
    }

    @Test
    void promptOverTheBudgetStillMakesABatchOfItsOwn() throws Exception {
        PromptQueue queue = new PromptQueue(2, 10);
        queue.add(prompt(0, 0, EIGHT_NEW, 500));

        assertThat(take(queue)).hasSize(1);
    }

    @Test
    void batchStopsAtTheFirstPromptWithOtherSettings() throws Exception {
        PromptQueue queue = new PromptQueue(64, 1_000_000);
        queue.add(prompt(0, 0, EIGHT_NEW, 10));
        queue.add(prompt(0, 1, GREEDY, 10));
        queue.add(prompt(0, 2, EIGHT_NEW, 10));

        assertThat(take(queue)).extracting(QueuedPrompt::offset).containsExactly(0L);
        assertThat(take(queue)).extracting(QueuedPrompt::offset).containsExactly(1L);
        assertThat(take(queue)).extracting(QueuedPrompt::offset).containsExactly(2L);
    }

    @Test
    void lingerWaitsForPromptsThatFillTheBatch() throws Exception {
        PromptQueue queue = new PromptQueue(8, 1_000_000);
        queue.add(prompt(0, 0, EIGHT_NEW, 10));
        Thread producer = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            queue.add(prompt(0, 1, EIGHT_NEW, 10));
        });
        producer.start();

        List<QueuedPrompt> batch = queue.takeBatch(0, 10_000, () -> false, NONE::add);
        producer.join();

        assertThat(batch).extracting(QueuedPrompt::offset).containsExactly(0L, 1L);
    }

    @Test
    void emptyWhenNothingArrivesOrTheQueueCloses() throws Exception {
        PromptQueue queue = new PromptQueue(8, 1_000_000);
        assertThat(queue.takeBatch(50, 0, () -> false, NONE::add)).isEmpty();

        queue.add(prompt(0, 0, EIGHT_NEW, 10));
        assertThat(queue.takeBatch(50, 0, () -> true, NONE::add)).isEmpty();
        assertThat(queue.size()).as("a closed queue hands nothing out and keeps its prompts").isEqualTo(1);
    }

    @Test
    void removesThePromptsOfRevokedPartitions() throws Exception {
        PromptQueue queue = new PromptQueue(64, 1_000_000);
        queue.add(prompt(0, 0, EIGHT_NEW, 10));
        queue.add(prompt(1, 0, EIGHT_NEW, 10));
        queue.add(prompt(0, 1, EIGHT_NEW, 10));

        List<QueuedPrompt> removed = queue.removePartitions(Set.of(new TopicPartition("reasonflow.prompts", 0)));

        assertThat(removed).extracting(QueuedPrompt::offset).containsExactly(0L, 1L);
        assertThat(queue.queuedSequences()).isEqualTo(4);
        assertThat(take(queue)).extracting(p -> p.partition().partition()).containsExactly(1);
    }
}
