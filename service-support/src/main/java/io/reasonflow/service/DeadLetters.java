package io.reasonflow.service;

import io.reasonflow.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Sends a record that a service cannot process to its topic's dead-letter topic ({@code <topic>.dlq}),
 * unchanged, with headers naming the source position, the error, the service and the time. The send is
 * awaited, so a record is either in the dead-letter topic or the failure propagates: none is dropped.
 */
public class DeadLetters {
    public static final String ORIGINAL_TOPIC = "reasonflow-dlq-original-topic";
    public static final String ORIGINAL_PARTITION = "reasonflow-dlq-original-partition";
    public static final String ORIGINAL_OFFSET = "reasonflow-dlq-original-offset";
    public static final String ERROR = "reasonflow-dlq-error";
    public static final String SERVICE = Topics.DLQ_SERVICE_HEADER;
    public static final String TIME = "reasonflow-dlq-time";
    /** Size in bytes of a value left out of its dead letter because it was above the reader's size limit. */
    public static final String ORIGINAL_SIZE = "reasonflow-dlq-original-size";

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaTemplate<String, byte[]> template;
    private final String service;
    private final AtomicLong sent = new AtomicLong();

    public DeadLetters(KafkaTemplate<String, byte[]> template, String service) {
        this.template = template;
        this.service = service;
    }

    /** Publishes the record to {@code <topic>.dlq} and waits for the broker's acknowledgement. */
    public void send(ConsumerRecord<String, byte[]> record, Throwable error) {
        String reason = reasonOf(error);
        log.warn("Sending {} to {}.dlq: {}", RecordDescriptions.describe(record), record.topic(), reason);
        send(record, new ProducerRecord<>(record.topic() + ".dlq", null, record.key(), record.value(),
                headersFor(record, reason)));
    }

    /**
     * Publishes a record whose value is above the reader's size limit to {@code <topic>.dlq} without that
     * value, which could be too large for the dead-letter topic, and with its size in {@link #ORIGINAL_SIZE}.
     * The value stays in the source topic at the offset the headers give, until retention removes it.
     *
     * @param reason names the size, the limit and the setting that sets it
     */
    public void sendWithoutValue(ConsumerRecord<String, byte[]> record, String reason) {
        log.warn("Sending {} to {}.dlq without its value: {}", RecordDescriptions.describe(record), record.topic(),
                reason);
        Headers headers = headersFor(record, reason);
        headers.add(ORIGINAL_SIZE, utf8(Integer.toString(record.value() == null ? 0 : record.value().length)));
        send(record, new ProducerRecord<>(record.topic() + ".dlq", null, record.key(), null, headers));
    }

    private void send(ConsumerRecord<String, byte[]> record, ProducerRecord<String, byte[]> out) {
        try {
            template.send(out).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            sent.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + RecordDescriptions.describe(record)
                    + " to the dead-letter topic", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("failed to send " + RecordDescriptions.describe(record)
                    + " to the dead-letter topic; the record will be retried", e);
        }
    }

    /** Number of records this instance sent to dead-letter topics. */
    public long sentCount() {
        return sent.get();
    }

    private Headers headersFor(ConsumerRecord<String, byte[]> record, String reason) {
        Headers headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        headers.add(ORIGINAL_TOPIC, utf8(record.topic()));
        headers.add(ORIGINAL_PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(ORIGINAL_OFFSET, utf8(Long.toString(record.offset())));
        headers.add(ERROR, utf8(reason));
        headers.add(SERVICE, utf8(service));
        headers.add(TIME, utf8(Instant.now().toString()));
        return headers;
    }

    private static String reasonOf(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root
                && !(root instanceof io.reasonflow.contracts.InvalidMessageException)) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + ": " + (message == null ? "(no message)" : message);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
