package io.reasonflow.rollout.intake;

import io.reasonflow.contracts.PromptMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A decoded prompt waiting for generation, with the record it came from (for its offset and for the
 * dead-letter topic) and the length of its tokenized text.
 */
public record QueuedPrompt(ConsumerRecord<String, byte[]> record, PromptMessage prompt, int promptTokens) {

    public TopicPartition partition() {
        return new TopicPartition(record.topic(), record.partition());
    }

    public long offset() {
        return record.offset();
    }

    /** Rows this prompt adds to a generation batch: one per completion of its group. */
    public int sequences() {
        return prompt.sampling().groupSize();
    }
}
