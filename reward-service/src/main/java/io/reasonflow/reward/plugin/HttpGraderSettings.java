package io.reasonflow.reward.plugin;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Settings of one HTTP grader ({@code reasonflow.reward.http-graders.<name>.*}). A null duration
 * takes its default.
 *
 * @param name                 grader name, the key under which its scores are reported and its weight
 *                             is set ({@code reasonflow.reward.weights.<name>})
 * @param url                  http or https URL that receives one POST per rollout group
 * @param timeout              limit of one attempt, from sending the request to reading the whole
 *                             response; default 10 s
 * @param maxAttempts          attempts per group, the first one included; default 3
 * @param retryWait            wait before the first retry, doubled before each further retry;
 *                             default 500 ms
 * @param failureRateThreshold failure rate in percent, in (0, 100], at or above which the circuit
 *                             opens; default 50
 * @param minimumCalls         calls the circuit breaker records before it computes a failure rate;
 *                             default 10
 * @param slidingWindowSize    number of most recent calls the failure rate is computed over; default 20
 * @param openDuration         how long an open circuit rejects calls before it lets one trial call
 *                             through; default 30 s
 * @param maxResponseBytes     largest response body read, in bytes; a larger one fails the attempt and
 *                             is not read further; default 1 MiB
 */
public record HttpGraderSettings(String name, URI url, Duration timeout, int maxAttempts, Duration retryWait,
        float failureRateThreshold, int minimumCalls, int slidingWindowSize, Duration openDuration,
        long maxResponseBytes) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_RETRY_WAIT = Duration.ofMillis(500);
    public static final float DEFAULT_FAILURE_RATE_THRESHOLD = 50;
    public static final int DEFAULT_MINIMUM_CALLS = 10;
    public static final int DEFAULT_SLIDING_WINDOW_SIZE = 20;
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(30);
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

    /** Largest allowed {@code max-response-bytes}: the body is read into one byte array. */
    public static final long MAX_RESPONSE_BYTES_LIMIT = Integer.MAX_VALUE - 8;

    /** Prefix of the properties of every HTTP grader. */
    public static final String PROPERTY_PREFIX = "reasonflow.reward.http-graders.";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

    public HttpGraderSettings {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("HTTP grader name " + (name == null ? "null" : "'" + name + "'")
                    + " under " + PROPERTY_PREFIX + "<name> is invalid, expected letters, digits, '_' or '-'");
        }
        checkUrl(name, url);
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        retryWait = retryWait == null ? DEFAULT_RETRY_WAIT : retryWait;
        openDuration = openDuration == null ? DEFAULT_OPEN_DURATION : openDuration;
        checkAtLeastOneMilli(name, "timeout", timeout);
        checkAtLeastOneMilli(name, "retry-wait", retryWait);
        checkAtLeastOneMilli(name, "open-duration", openDuration);
        if (maxAttempts < 1) {
            throw invalid(name, "max-attempts", maxAttempts, "expected >= 1 (1 means no retries)");
        }
        if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
            throw invalid(name, "failure-rate-threshold", failureRateThreshold,
                    "expected a percentage in (0, 100]");
        }
        if (slidingWindowSize < 1) {
            throw invalid(name, "sliding-window-size", slidingWindowSize, "expected >= 1");
        }
        if (minimumCalls < 1 || minimumCalls > slidingWindowSize) {
            throw invalid(name, "minimum-calls", minimumCalls,
                    "expected a value in [1, sliding-window-size] = [1, " + slidingWindowSize + "]");
        }
        if (maxResponseBytes < 1 || maxResponseBytes > MAX_RESPONSE_BYTES_LIMIT) {
            throw invalid(name, "max-response-bytes", maxResponseBytes,
                    "expected a size in bytes in [1, " + MAX_RESPONSE_BYTES_LIMIT + "]");
        }
    }

    /** Creates settings with the default response size limit. */
    public HttpGraderSettings(String name, URI url, Duration timeout, int maxAttempts, Duration retryWait,
            float failureRateThreshold, int minimumCalls, int slidingWindowSize, Duration openDuration) {
        this(name, url, timeout, maxAttempts, retryWait, failureRateThreshold, minimumCalls, slidingWindowSize,
                openDuration, DEFAULT_MAX_RESPONSE_BYTES);
    }

    /** Returns settings with the default for every field except the name and the URL. */
    public static HttpGraderSettings defaults(String name, URI url) {
        return new HttpGraderSettings(name, url, DEFAULT_TIMEOUT, DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_WAIT,
                DEFAULT_FAILURE_RATE_THRESHOLD, DEFAULT_MINIMUM_CALLS, DEFAULT_SLIDING_WINDOW_SIZE,
                DEFAULT_OPEN_DURATION, DEFAULT_MAX_RESPONSE_BYTES);
    }

    private static void checkUrl(String name, URI url) {
        if (url == null) {
            throw new IllegalArgumentException(PROPERTY_PREFIX + name + ".url is missing, expected an http or https URL");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw invalid(name, "url", "'" + url + "'", "expected an http or https URL");
        }
    }

    private static void checkAtLeastOneMilli(String name, String field, Duration value) {
        if (value.compareTo(Duration.ofMillis(1)) < 0) {
            throw invalid(name, field, value, "expected a duration of at least 1ms");
        }
    }

    private static IllegalArgumentException invalid(String name, String field, Object value, String expected) {
        return new IllegalArgumentException(PROPERTY_PREFIX + name + "." + field + " is " + value + ", " + expected);
    }
}
