package io.reasonflow.service;

import io.reasonflow.contracts.Topic;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/** Encodes messages with their topic's codec (JSON for all but the policy chunks) and sends them. */
public class MessagePublisher {
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaTemplate<String, byte[]> template;

    public MessagePublisher(KafkaTemplate<String, byte[]> template) {
        this.template = template;
    }

    public <T> CompletableFuture<SendResult<String, byte[]>> send(Topic<T> topic, String key, T message) {
        return template.send(topic.name(), key, topic.encode(message));
    }

    /** Sends and waits for the broker's acknowledgement, so the caller knows the record is stored. */
    public <T> void sendAndWait(Topic<T> topic, String key, T message) {
        await(send(topic, key, message), topic.name() + " key=" + key);
    }

    /** Waits until every send has been acknowledged; the first failure propagates. */
    public void awaitAll(java.util.List<? extends CompletableFuture<?>> sends, String what) {
        await(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)), what);
    }

    static void await(CompletableFuture<?> future, String what) {
        try {
            future.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("failed to send " + what + " within " + SEND_TIMEOUT.toSeconds()
                    + " s: " + e.getMessage(), e);
        }
    }
}
