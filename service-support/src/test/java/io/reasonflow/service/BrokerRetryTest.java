package io.reasonflow.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class BrokerRetryTest {
    private static final Duration PAUSE = Duration.ofMillis(10);

    @Test
    void sendsAgainAfterTimeouts() {
        BrokerRetry retry = new BrokerRetry(Duration.ofSeconds(30), "test.broker-wait", PAUSE);
        AtomicInteger attempts = new AtomicInteger();

        retry.run("4 prompts", () -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("failed to send 4 prompts",
                        new ExecutionException(new TimeoutException("Topic not present in metadata")));
            }
        });

        assertThat(attempts).hasValue(3);
    }

    @Test
    void otherFailurePropagatesAtOnce() {
        BrokerRetry retry = new BrokerRetry(Duration.ofSeconds(30), "test.broker-wait", PAUSE);
        AtomicInteger attempts = new AtomicInteger();
        IllegalArgumentException tooLarge = new IllegalArgumentException("record too large");

        assertThatThrownBy(() -> retry.run("4 prompts", () -> {
            attempts.incrementAndGet();
            throw tooLarge;
        })).isSameAs(tooLarge);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void givesUpAfterTimeLimit() {
        BrokerRetry retry = new BrokerRetry(Duration.ofMillis(200), "test.broker-wait", PAUSE);
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> retry.run("4 prompts", () -> {
            attempts.incrementAndGet();
            throw new TimeoutException("attempt " + attempts.get());
        })).isInstanceOf(TimeoutException.class).hasMessageStartingWith("attempt ");
        assertThat(attempts.get()).isGreaterThan(1);
    }

    @Test
    void timedOutFindsNestedTimeout() {
        Throwable nested = new IllegalStateException("failed", new ExecutionException(new TimeoutException("late")));

        assertThat(BrokerRetry.timedOut(nested)).isTrue();
        assertThat(BrokerRetry.timedOut(new IllegalStateException("other"))).isFalse();
        assertThat(BrokerRetry.timedOut(new java.util.concurrent.TimeoutException("future"))).isTrue();
    }
}
