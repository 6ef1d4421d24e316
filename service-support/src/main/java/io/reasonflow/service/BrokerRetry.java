package io.reasonflow.service;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryListener;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryState;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.core.retry.Retryable;

/**
 * Retry of a set of sends that time out, as they do while the broker restarts, until a time limit has passed.
 * Any other failure propagates at once. A record whose first send did reach the broker is stored twice, so the
 * consumers of what is sent this way must tolerate a repeated record. Spring's {@link RetryTemplate} carries the
 * attempts, pauses and time limit.
 */
public final class BrokerRetry {
    private static final Logger log = LoggerFactory.getLogger(BrokerRetry.class);
    private static final Duration PAUSE = Duration.ofSeconds(2);

    private final RetryTemplate template;

    /**
     * @param limit   how long to keep trying, from the first attempt
     * @param setting the name of the setting that sets {@code limit}, quoted in the log
     */
    public BrokerRetry(Duration limit, String setting) {
        this(limit, setting, PAUSE);
    }

    BrokerRetry(Duration limit, String setting, Duration pause) {
        RetryPolicy policy = RetryPolicy.builder().predicate(BrokerRetry::timedOut).timeout(limit).delay(pause)
                .maxRetries(Long.MAX_VALUE).build();
        template = new RetryTemplate(policy);
        template.setRetryListener(new RetryListener() {
            @Override
            public void onRetryableExecution(RetryPolicy p, Retryable<?> sends, RetryState state) {
                int attempt = state.getRetryCount() + 1;
                if (state.isSuccessful()) {
                    if (attempt > 1) {
                        log.info("Sent {} at attempt {}", sends.getName(), attempt);
                    }
                } else if (timedOut(state.getLastException())) {
                    log.warn("Sending {} timed out (attempt {}): {}. The broker may be restarting; trying again for "
                            + "up to {} ({})", sends.getName(), attempt, state.getLastException().getMessage(), setting,
                            limit);
                }
            }

            @Override
            public void onRetryPolicyTimeout(RetryPolicy p, Retryable<?> sends, RetryException e) {
                log.error("Sending {} failed after {} attempts in {}; raise {} if the broker needs longer to restart",
                        sends.getName(), e.getRetryCount() + 1, limit, setting);
            }
        });
    }

    /** Runs {@code sends}, and runs them all again while they time out, up to the time limit. */
    public void run(String description, Runnable sends) {
        try {
            template.execute(new Retryable<Void>() {
                @Override
                public Void execute() {
                    sends.run();
                    return null;
                }

                @Override
                public String getName() {
                    return description;
                }
            });
        } catch (RetryException e) {
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting to send " + description + " again", e);
            }
            Throwable last = e.getLastException() == null ? e.getCause() : e.getLastException();
            if (last instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (last instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("sending " + description + " failed: " + last, last);
        }
    }

    /** Returns whether a send timed out, in the producer or while waiting for the broker's acknowledgement. */
    public static boolean timedOut(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException || cause instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
