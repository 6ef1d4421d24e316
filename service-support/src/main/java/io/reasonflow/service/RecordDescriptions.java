package io.reasonflow.service;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Names a consumed record the same way in every log line: topic, partition, offset and key. */
public final class RecordDescriptions {
    private RecordDescriptions() {
    }

    public static String describe(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset() + " key=" + record.key();
    }
}
