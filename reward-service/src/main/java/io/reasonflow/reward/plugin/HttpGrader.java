package io.reasonflow.reward.plugin;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.reasonflow.reward.RolloutView.CompletionView;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.reward.RolloutView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A grader behind a user-run HTTP endpoint. Each {@link #grade} call POSTs the whole group as JSON and
 * expects {@code 200} with {@code {"scores": [...], "details": {...}}}, one score (a number or null)
 * per completion in the group's order.
 *
 * <p>Connection failures, timeouts, HTTP 429 and 5xx are retried with exponential backoff (resilience4j
 * {@link Retry}). Other statuses, redirects included (they are not followed), malformed 200 responses and
 * response bodies above {@link HttpGraderSettings#maxResponseBytes()} fail at once. A body above that size
 * is not read further: the client stops at the first chunk past the limit, or at the first chunk when the
 * {@code Content-Length} already exceeds it, and closes the connection. One circuit breaker
 * (resilience4j {@link CircuitBreaker}, count-based window) records one outcome per {@code grade} call,
 * retries included, and while it is open {@code grade} returns without sending a request. On a failure
 * {@code grade} returns instead of throwing (a JVM {@link Error} excepted): the result has a null score
 * for every completion and {@code details} = {@code {"error": reason}}.
 *
 * <p>Thread-safe; the reward service may call it from several stream threads.
 */
public class HttpGrader implements GroupGrader {
    /** Reason returned while the circuit is open. */
    public static final String CIRCUIT_OPEN = "circuit open";

    static final int BODY_EXCERPT_CHARS = 200;

    private static final long NEVER_LOGGED = Long.MIN_VALUE;

    private static final Logger log = LoggerFactory.getLogger(HttpGrader.class);
    private static final JsonMapper MAPPER = Messages.mapper();
    private static final TypeReference<Map<String, Object>> DETAILS_TYPE = new TypeReference<>() {
    };

    private final HttpGraderSettings settings;
    private final ExecutorService executor;
    private final HttpClient client;
    private final Retry retry;
    private final CircuitBreaker circuitBreaker;

    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong rejectedByOpenCircuit = new AtomicLong();
    private final AtomicLong requestsSent = new AtomicLong();
    private final AtomicLong oversizeResponses = new AtomicLong();

    private final AtomicLong rejectedSinceLastLog = new AtomicLong();
    private final AtomicLong lastRejectionLogNanos = new AtomicLong(NEVER_LOGGED);
    private volatile boolean closed;

    public HttpGrader(HttpGraderSettings settings) {
        this.settings = settings;
        this.executor = Executors.newCachedThreadPool(daemonThreads("http-grader-" + settings.name() + "-"));
        this.client = HttpClient.newBuilder()
                // The JDK client prefers HTTP/2 and would add an h2c upgrade header to every http:// request.
                // Plain HTTP/1.1 is what grading endpoints are expected to serve.
                .version(HttpClient.Version.HTTP_1_1)
                // Only the configured URL is called: a redirect, to another host or not, fails the attempt.
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.timeout())
                .executor(executor)
                .build();
        this.retry = Retry.of(settings.name(), RetryConfig.custom()
                .maxAttempts(settings.maxAttempts())
                .intervalFunction(IntervalFunction.ofExponentialBackoff(settings.retryWait(), 2.0))
                .retryOnException(e -> e instanceof GraderFailure failure && failure.retryable)
                .failAfterMaxAttempts(false)
                .build());
        this.circuitBreaker = CircuitBreaker.of(settings.name(), CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.slidingWindowSize())
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRateThreshold())
                .waitDurationInOpenState(settings.openDuration())
                // One trial call after the open duration decides whether the circuit closes or opens again.
                .permittedNumberOfCallsInHalfOpenState(1)
                // Only failures open the circuit: a slow call is bounded by the timeout and retry settings.
                .slowCallRateThreshold(100)
                .slowCallDurationThreshold(Duration.ofDays(1))
                .writableStackTraceEnabled(false)
                .build());
        retry.getEventPublisher().onRetry(event -> {
            retries.incrementAndGet();
            if (event.getLastThrowable() instanceof GraderFailure failure) {
                log.info("HTTP grader '{}': attempt {} of {} for group {} failed ({}), retrying in {} ms",
                        settings.name(), event.getNumberOfRetryAttempts(), settings.maxAttempts(),
                        failure.groupId, failure.getMessage(), event.getWaitInterval().toMillis());
            }
        });
        circuitBreaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State from = event.getStateTransition().getFromState();
            CircuitBreaker.State to = event.getStateTransition().getToState();
            if (to == CircuitBreaker.State.OPEN) {
                log.warn("HTTP grader '{}' at {}: circuit changed from {} to OPEN, groups get null scores without"
                        + " a request for the next {} ms", settings.name(), settings.url(), from,
                        settings.openDuration().toMillis());
            } else {
                log.info("HTTP grader '{}': circuit changed from {} to {}", settings.name(), from, to);
            }
        });
    }

    @Override
    public String name() {
        return settings.name();
    }

    public HttpGraderSettings settings() {
        return settings;
    }

    /** Sends the group to the endpoint and returns its scores, or null scores and the reason on failure. */
    @Override
    public GroupScores grade(RolloutView group) {
        calls.incrementAndGet();
        int size = group.completions().size();
        if (closed) {
            return failed(group, "grader is closed");
        }
        AtomicInteger attempts = new AtomicInteger();
        try {
            byte[] body = MAPPER.writeValueAsBytes(requestBody(group));
            return circuitBreaker.executeSupplier(() -> retry.executeSupplier(() -> {
                attempts.incrementAndGet();
                return attempt(group, body);
            }));
        } catch (CallNotPermittedException e) {
            rejectedByOpenCircuit.incrementAndGet();
            logRejection(group);
            return nullScores(size, CIRCUIT_OPEN);
        } catch (GraderFailure e) {
            String reason = attempts.get() > 1 ? e.getMessage() + " (after " + attempts.get() + " attempts)" : e.getMessage();
            return failed(group, reason);
        } catch (RuntimeException e) {
            log.warn("HTTP grader '{}' failed for group {} with an unexpected error", name(), group.groupId(), e);
            failures.incrementAndGet();
            return nullScores(size, "unexpected error: " + describe(e));
        }
    }

    /** Number of {@link #grade} calls. */
    public long calls() {
        return calls.get();
    }

    /** Number of {@link #grade} calls that returned null scores after a failure, not counting open-circuit rejections. */
    public long failures() {
        return failures.get();
    }

    /** Number of requests sent again after a retryable failure. */
    public long retries() {
        return retries.get();
    }

    /** Number of {@link #grade} calls that returned null scores without sending a request because the circuit was open. */
    public long rejectedByOpenCircuit() {
        return rejectedByOpenCircuit.get();
    }

    /** Number of HTTP requests sent, first attempts and retries together. */
    public long requestsSent() {
        return requestsSent.get();
    }

    /** Number of responses whose body exceeded {@link HttpGraderSettings#maxResponseBytes()}; each failed its attempt. */
    public long oversizeResponses() {
        return oversizeResponses.get();
    }

    public CircuitBreaker.State circuitState() {
        return circuitBreaker.getState();
    }

    /**
     * Stops the client's worker threads, after which {@link #grade} fails with "grader is closed". On Java 17
     * {@link HttpClient} has no {@code close()}, and its own selector thread ends once the client is unreachable.
     */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }

    private Map<String, Object> requestBody(RolloutView group) {
        PromptMessage prompt = group.prompt();
        List<Map<String, Object>> completions = new ArrayList<>();
        for (int i = 0; i < group.completions().size(); i++) {
            CompletionView completion = group.completions().get(i);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", i);
            entry.put("text", completion.text());
            entry.put("finish_reason", completion.finishReason().wireName());
            entry.put("num_tokens", completion.tokenCount());
            completions.add(entry);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("schema_version", Messages.SCHEMA_VERSION);
        body.put("grader", settings.name());
        body.put("group_id", prompt.groupId());
        body.put("prompt_id", prompt.promptId());
        body.put("task", prompt.task());
        body.put("prompt", prompt.text());
        body.put("reference_answer", prompt.referenceAnswer());
        body.put("policy_version", group.policyVersion());
        body.put("completions", completions);
        return body;
    }

    /** Sends one request and parses the response, or throws {@link GraderFailure}. */
    private GroupScores attempt(RolloutView group, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(settings.url())
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<byte[]> response = send(group, request);
        int status = response.statusCode();
        if (status == 200) {
            return parseResponse(group, response.body());
        }
        boolean retryable = status == 429 || status >= 500;
        throw new GraderFailure(group.groupId(), "HTTP " + status + bodyExcerpt(response.body()), retryable);
    }

    private HttpResponse<byte[]> send(RolloutView group, HttpRequest request) {
        requestsSent.incrementAndGet();
        CompletableFuture<byte[]> rejected = new CompletableFuture<>();
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request,
                info -> new LimitedBodySubscriber(settings.maxResponseBytes(), info, rejected));
        long timeoutMillis = settings.timeout().toMillis();
        try {
            // The request timeout covers the wait for the response headers, and this one also bounds reading the body.
            // An oversize body ends the wait through 'rejected', because the response future of OpenJDK 17.0.15 did
            // not complete after the body subscriber cancelled a fixed-length body.
            CompletableFuture.anyOf(future, rejected).get(timeoutMillis, TimeUnit.MILLISECONDS);
            return future.getNow(null);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new GraderFailure(group.groupId(), "timed out after " + timeoutMillis + " ms", true);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new GraderFailure(group.groupId(), "interrupted while waiting for the response", false);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            ResponseTooLargeException tooLarge = findCause(e, ResponseTooLargeException.class);
            if (tooLarge != null) {
                future.cancel(true);
                oversizeResponses.incrementAndGet();
                throw new GraderFailure(group.groupId(), tooLarge.getMessage() + " (" + HttpGraderSettings.PROPERTY_PREFIX
                        + name() + ".max-response-bytes); the rest of the body was not read", false);
            }
            if (cause instanceof HttpConnectTimeoutException) {
                throw new GraderFailure(group.groupId(), "connect timed out after " + timeoutMillis + " ms", true);
            }
            if (cause instanceof HttpTimeoutException) {
                throw new GraderFailure(group.groupId(), "timed out after " + timeoutMillis + " ms", true);
            }
            if (cause instanceof IOException) {
                throw new GraderFailure(group.groupId(), "request failed: " + describe(cause), true);
            }
            throw new GraderFailure(group.groupId(), "request failed: " + describe(cause), false);
        }
    }

    private GroupScores parseResponse(RolloutView group, byte[] body) {
        int expected = group.completions().size();
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw invalidResponse(group, "is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw invalidResponse(group, "body is empty, expected a JSON object");
        }
        if (!root.isObject()) {
            throw invalidResponse(group, "is " + typeName(root) + ", expected a JSON object");
        }

        JsonNode scoresNode = root.get("scores");
        if (scoresNode == null) {
            throw invalidResponse(group, "has no 'scores' field");
        }
        if (!scoresNode.isArray()) {
            throw invalidResponse(group, "field 'scores' is " + typeName(scoresNode) + ", expected an array");
        }
        if (scoresNode.size() != expected) {
            throw invalidResponse(group, "field 'scores' has " + scoresNode.size() + " entries, expected "
                    + expected + " (one per completion)");
        }
        List<Double> scores = new ArrayList<>(expected);
        for (int i = 0; i < expected; i++) {
            scores.add(score(group, scoresNode.get(i), i));
        }

        JsonNode detailsNode = root.get("details");
        Map<String, Object> details = Map.of();
        if (detailsNode != null && !detailsNode.isNull()) {
            if (!detailsNode.isObject()) {
                throw invalidResponse(group, "field 'details' is " + typeName(detailsNode) + ", expected an object");
            }
            details = MAPPER.treeToValue(detailsNode, DETAILS_TYPE);
        }
        return new GroupScores(scores, details);
    }

    private static Double score(RolloutView group, JsonNode node, int index) {
        if (node.isNull()) {
            return null;
        }
        if (!node.isNumber()) {
            throw invalidResponse(group, "field 'scores[" + index + "]' is " + typeName(node)
                    + ", expected a number or null");
        }
        double value;
        try {
            value = node.doubleValue();
        } catch (JacksonException e) {
            value = Double.NaN;
        }
        if (!Double.isFinite(value)) {
            throw invalidResponse(group, "field 'scores[" + index + "]' is " + value + " as a double, expected a"
                    + " finite number");
        }
        return value;
    }

    private GroupScores failed(RolloutView group, String reason) {
        failures.incrementAndGet();
        log.warn("HTTP grader '{}' failed for group {}: {}", name(), group.groupId(), reason);
        return nullScores(group.completions().size(), reason);
    }

    /** Logs a rejection at most once per open duration, with the number of rejections since the last message. */
    private void logRejection(RolloutView group) {
        rejectedSinceLastLog.incrementAndGet();
        long now = System.nanoTime();
        long last = lastRejectionLogNanos.get();
        boolean due = last == NEVER_LOGGED || now - last >= settings.openDuration().toNanos();
        if (due && lastRejectionLogNanos.compareAndSet(last, now)) {
            long count = rejectedSinceLastLog.getAndSet(0);
            log.warn("HTTP grader '{}': circuit open, {} group(s) got null scores without a request since the last"
                    + " such message (latest: {})", name(), count, group.groupId());
        }
    }

    private static GroupScores nullScores(int size, String reason) {
        return new GroupScores(Collections.nCopies(size, null), Map.of("error", reason));
    }

    private static GraderFailure invalidResponse(RolloutView group, String problem) {
        return new GraderFailure(group.groupId(), "invalid response: HTTP 200 body " + problem, false);
    }

    private static String bodyExcerpt(byte[] body) {
        if (body == null || body.length == 0) {
            return " with an empty body";
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (text.length() > BODY_EXCERPT_CHARS) {
            text = text.substring(0, BODY_EXCERPT_CHARS) + "...";
        }
        return ": " + text.replaceAll("[\\r\\n]+", " ").strip();
    }

    private static <T extends Throwable> T findCause(Throwable error, Class<T> type) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }

    private static String typeName(JsonNode node) {
        String type = node.getNodeType().name().toLowerCase(Locale.ROOT);
        return ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type;
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A response body larger than the grader's limit, detected before the excess was read. */
    static final class ResponseTooLargeException extends IOException {
        ResponseTooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Collects a response body into a byte array of at most {@code limit} bytes. When the {@code Content-Length}
     * header or the bytes received so far exceed the limit, it cancels the subscription at the next chunk, which
     * makes the client close the connection, and fails with {@link ResponseTooLargeException}.
     */
    static final class LimitedBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {
        private static final int INITIAL_CAPACITY = 8192;

        private final long limit;
        private final long declaredLength;
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final CompletableFuture<byte[]> rejected;
        private final ByteArrayOutputStream received;
        private Flow.Subscription subscription;

        /** Creates a subscriber that also fails {@code rejected} when the body is too large. */
        LimitedBodySubscriber(long limit, HttpResponse.ResponseInfo info, CompletableFuture<byte[]> rejected) {
            this.limit = limit;
            this.rejected = rejected;
            this.declaredLength = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            long expected = declaredLength >= 0 ? Math.min(declaredLength, limit) : Math.min(INITIAL_CAPACITY, limit);
            this.received = new ByteArrayOutputStream((int) expected);
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (body.isDone()) {
                return;
            }
            // Checked at the first chunk rather than in onSubscribe: OpenJDK 17.0.15 left the exchange hanging
            // when the subscription was cancelled before any data was requested.
            if (declaredLength > limit) {
                reject("response body of " + declaredLength + " bytes (Content-Length) exceeds the limit of " + limit
                        + " bytes");
                return;
            }
            for (ByteBuffer buffer : buffers) {
                int size = buffer.remaining();
                if (received.size() + (long) size > limit) {
                    reject("response body exceeds the limit of " + limit + " bytes");
                    return;
                }
                byte[] bytes = new byte[size];
                buffer.get(bytes);
                received.writeBytes(bytes);
            }
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            body.complete(received.toByteArray());
        }

        private void reject(String message) {
            ResponseTooLargeException error = new ResponseTooLargeException(message);
            body.completeExceptionally(error);
            rejected.completeExceptionally(error);
            subscription.cancel();
        }
    }

    /** A failed attempt; the message is the reason reported in the result's details. */
    static final class GraderFailure extends RuntimeException {
        final String groupId;
        final boolean retryable;

        GraderFailure(String groupId, String reason, boolean retryable) {
            super(reason, null, false, false);
            this.groupId = groupId;
            this.retryable = retryable;
        }
    }
}
