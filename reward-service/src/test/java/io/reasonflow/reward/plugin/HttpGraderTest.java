package io.reasonflow.reward.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.reward.RolloutView;
import io.reasonflow.reward.plugin.GroupGrader.GroupScores;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class HttpGraderTest {
    // The tests of the response size limit and of redirects have 30 s each, room for a loaded machine.
    private static final String SCORES_OK = "{\"scores\":[1.0,null,0.5],\"details\":{\"judge\":\"strict\",\"passed\":2}}";

    /** What the test server sends for the n-th request (1-based). */
    private interface Responder {
        Reply reply(int requestNumber) throws InterruptedException;
    }

    private record Reply(int status, String body) {
    }

    private record ReceivedRequest(String method, String contentType, byte[] body) {
    }

    private final List<ReceivedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private volatile Responder responder = n -> new Reply(200, SCORES_OK);
    private ExecutorService serverThreads;
    private HttpServer server;
    private URI url;
    private HttpGrader grader;

    @BeforeEach
    void startServer() throws IOException {
        serverThreads = Executors.newCachedThreadPool();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/grade", this::handle);
        server.setExecutor(serverThreads);
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/grade");
    }

    @AfterEach
    void stopServer() {
        if (grader != null) {
            grader.close();
        }
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            requests.add(new ReceivedRequest(exchange.getRequestMethod(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
            Reply reply;
            try {
                reply = responder.reply(requestCount.incrementAndGet());
            } catch (InterruptedException e) {
                return;
            }
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    private static RolloutView group(String... texts) {
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run-1", "group-7", "prompt-42", "arithmetic",
                "What is 17 + 25?", "42", Purpose.TRAIN, new SamplingSettings(texts.length, 1.0, 1.0, 0, 128, List.of()),
                0);
        List<Completion> completions = Arrays.stream(texts)
                .map(text -> new Completion(text, new int[text.length()], new double[text.length()],
                        text.endsWith("!") ? FinishReason.LENGTH : FinishReason.STOP))
                .toList();
        return RolloutView.of(new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 3, "worker-1", completions));
    }

    private static RolloutView threeCompletions() {
        return group("<answer>42</answer>", "I am not sure!", "42");
    }

    /** Settings with short timings. The circuit needs 10 calls before it can open. */
    private HttpGraderSettings settings(Duration timeout, int maxAttempts) {
        return new HttpGraderSettings("judge", url, timeout, maxAttempts, Duration.ofMillis(10), 50, 10, 20,
                Duration.ofSeconds(30));
    }

    private HttpGrader grader(HttpGraderSettings settings) {
        grader = new HttpGrader(settings);
        return grader;
    }

    private static void assertFailed(GroupScores result, int size, String reasonPart) {
        assertThat(result.scores()).hasSize(size).containsOnlyNulls();
        assertThat(result.details()).containsOnlyKeys("error");
        assertThat((String) result.details().get("error")).contains(reasonPart);
    }

    @Test
    void returnsScoresAndDetails() {
        HttpGrader grader = grader(settings(Duration.ofSeconds(1), 3));

        GroupScores result = grader.grade(threeCompletions());

        assertThat(result.scores()).containsExactly(1.0, null, 0.5);
        assertThat(result.details()).isEqualTo(Map.of("judge", "strict", "passed", 2));
        assertThat(grader.calls()).isEqualTo(1);
        assertThat(grader.failures()).isZero();
        assertThat(grader.retries()).isZero();
        assertThat(grader.requestsSent()).isEqualTo(1);
    }

    @Test
    void sendsGroupAsJson() {
        grader(settings(Duration.ofSeconds(1), 3)).grade(threeCompletions());

        assertThat(requests).hasSize(1);
        ReceivedRequest request = requests.get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.contentType()).isEqualTo("application/json");
        JsonNode body = Messages.mapper().readTree(request.body());
        assertThat(body.get("schema_version").intValue()).isEqualTo(1);
        assertThat(body.get("grader").stringValue()).isEqualTo("judge");
        assertThat(body.get("group_id").stringValue()).isEqualTo("group-7");
        assertThat(body.get("prompt_id").stringValue()).isEqualTo("prompt-42");
        assertThat(body.get("task").stringValue()).isEqualTo("arithmetic");
        assertThat(body.get("prompt").stringValue()).isEqualTo("What is 17 + 25?");
        assertThat(body.get("reference_answer").stringValue()).isEqualTo("42");
        assertThat(body.get("policy_version").longValue()).isEqualTo(3);
        JsonNode completions = body.get("completions");
        assertThat(completions.size()).isEqualTo(3);
        assertThat(completions.get(0).get("index").intValue()).isZero();
        assertThat(completions.get(0).get("text").stringValue()).isEqualTo("<answer>42</answer>");
        assertThat(completions.get(0).get("num_tokens").intValue()).isEqualTo(19);
        assertThat(completions.get(0).get("finish_reason").stringValue()).isEqualTo("stop");
        assertThat(completions.get(1).get("index").intValue()).isEqualTo(1);
        assertThat(completions.get(1).get("text").stringValue()).isEqualTo("I am not sure!");
        assertThat(completions.get(1).get("num_tokens").intValue()).isEqualTo(14);
        assertThat(completions.get(1).get("finish_reason").stringValue()).isEqualTo("length");
        assertThat(completions.get(2).get("text").stringValue()).isEqualTo("42");
    }

    @Test
    void retriesAfterTimeout() {
        responder = n -> {
            if (n == 1) {
                Thread.sleep(2_000);
            }
            return new Reply(200, SCORES_OK);
        };
        HttpGrader grader = grader(settings(Duration.ofMillis(200), 3));

        long start = System.nanoTime();
        GroupScores result = grader.grade(threeCompletions());
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(result.scores()).containsExactly(1.0, null, 0.5);
        assertThat(requestCount.get()).isEqualTo(2);
        assertThat(grader.retries()).isEqualTo(1);
        assertThat(grader.failures()).isZero();
        assertThat(elapsedMillis).isLessThan(1_000);
    }

    @Test
    void stopsAfterMaxAttemptsOf503() {
        responder = n -> new Reply(503, "overloaded");
        HttpGrader grader = grader(settings(Duration.ofSeconds(1), 3));

        GroupScores result = grader.grade(threeCompletions());

        assertFailed(result, 3, "HTTP 503: overloaded (after 3 attempts)");
        assertThat(requestCount.get()).isEqualTo(3);
        assertThat(grader.requestsSent()).isEqualTo(3);
        assertThat(grader.retries()).isEqualTo(2);
        assertThat(grader.failures()).isEqualTo(1);
        assertThat(grader.calls()).isEqualTo(1);
    }

    @Test
    void timeoutOnEveryAttemptStaysBounded() {
        responder = n -> {
            Thread.sleep(2_000);
            return new Reply(200, SCORES_OK);
        };
        HttpGrader grader = grader(settings(Duration.ofMillis(100), 3));

        long start = System.nanoTime();
        GroupScores result = grader.grade(threeCompletions());
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertFailed(result, 3, "timed out after 100 ms");
        assertThat(requestCount.get()).isEqualTo(3);
        // 3 attempts of 100 ms plus waits of 10 ms and 20 ms.
        assertThat(elapsedMillis).isLessThan(1_000);
    }

    @Test
    void retries429ThenSucceeds() {
        responder = n -> n == 1 ? new Reply(429, "slow down") : new Reply(200, SCORES_OK);
        HttpGrader grader = grader(settings(Duration.ofSeconds(1), 3));

        GroupScores result = grader.grade(threeCompletions());

        assertThat(result.scores()).containsExactly(1.0, null, 0.5);
        assertThat(requestCount.get()).isEqualTo(2);
        assertThat(grader.retries()).isEqualTo(1);
    }

    @Test
    void doesNotRetry400() {
        String longBody = "bad request: " + "x".repeat(300);
        responder = n -> new Reply(400, longBody);
        HttpGrader grader = grader(settings(Duration.ofSeconds(1), 3));

        GroupScores result = grader.grade(threeCompletions());

        String expectedReason = "HTTP 400: " + longBody.substring(0, HttpGrader.BODY_EXCERPT_CHARS) + "...";
        assertFailed(result, 3, "HTTP 400");
        assertThat(result.details().get("error")).isEqualTo(expectedReason);
        assertThat(requestCount.get()).isEqualTo(1);
        assertThat(grader.retries()).isZero();
        assertThat(grader.failures()).isEqualTo(1);
    }

    @Test
    void doesNotRetry404WithEmptyBody() {
        responder = n -> new Reply(404, "");
        HttpGrader grader = grader(settings(Duration.ofSeconds(1), 3));

        GroupScores result = grader.grade(threeCompletions());

        assertThat(result.details().get("error")).isEqualTo("HTTP 404 with an empty body");
        assertThat(requestCount.get()).isEqualTo(1);
    }

    @Test
    void wrongLengthScoresFail() {
        responder = n -> new Reply(200, "{\"scores\":[1.0,0.0]}");
        HttpGrader grader = grader(settings(Duration.ofSeconds(1), 3));

        GroupScores result = grader.grade(threeCompletions());

        assertFailed(result, 3, "field 'scores' has 2 entries, expected 3 (one per completion)");
        assertThat(requestCount.get()).isEqualTo(1);
        assertThat(grader.failures()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"details\":{}}                     | has no 'scores' field",
        "{\"scores\":\"1,0,1\"}               | field 'scores' is a string, expected an array",
        "{\"scores\":[1.0,\"0\",1.0]}         | field 'scores[1]' is a string, expected a number or null",
        "{\"scores\":[1.0,true,1.0]}          | field 'scores[1]' is a boolean, expected a number or null",
        "{\"scores\":[1.0,0.0,1e400]}         | field 'scores[2]' is",
        "{\"scores\":[1,0,1],\"details\":[1]} | field 'details' is an array, expected an object",
        "[1.0,0.0,1.0]                        | is an array, expected a JSON object",
        "scores: 1, 0, 1                      | is not valid JSON",
    })
    void malformedResponseFails(String body, String reasonPart) {
        responder = n -> new Reply(200, body);
        HttpGrader grader = grader(settings(Duration.ofSeconds(1), 3));

        GroupScores result = grader.grade(threeCompletions());

        assertFailed(result, 3, "invalid response: HTTP 200 body");
        assertThat((String) result.details().get("error")).contains(reasonPart);
        assertThat(requestCount.get()).isEqualTo(1);
    }

    @Test
    void integerAndNullScoresAreAccepted() {
        responder = n -> new Reply(200, "{\"scores\":[1,null,-2],\"details\":null}");

        GroupScores result = grader(settings(Duration.ofSeconds(1), 3)).grade(threeCompletions());

        assertThat(result.scores()).containsExactly(1.0, null, -2.0);
        assertThat(result.details()).isEmpty();
    }

    @Test
    void connectionRefusedIsRetried() throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = closed.getLocalPort();
        }
        HttpGraderSettings settings = new HttpGraderSettings("judge", URI.create("http://127.0.0.1:" + port + "/grade"),
                Duration.ofMillis(500), 2, Duration.ofMillis(10), 50, 10, 20, Duration.ofSeconds(30));
        HttpGrader grader = grader(settings);

        GroupScores result = grader.grade(threeCompletions());

        assertFailed(result, 3, "request failed: ");
        assertThat((String) result.details().get("error")).endsWith("(after 2 attempts)");
        assertThat(grader.retries()).isEqualTo(1);
    }

    /** Returns a grader whose circuit opens after two failed calls and stays open for 200 ms, and opens it. */
    private HttpGrader graderWithOpenCircuit(Reply failure) {
        responder = n -> failure;
        HttpGraderSettings settings = new HttpGraderSettings("judge", url, Duration.ofSeconds(1), 1,
                Duration.ofMillis(10), 50, 2, 4, Duration.ofMillis(200));
        HttpGrader grader = grader(settings);
        grader.grade(threeCompletions());
        grader.grade(threeCompletions());
        assertThat(grader.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
        return grader;
    }

    @Test
    void openCircuitSkipsServer() {
        HttpGrader grader = graderWithOpenCircuit(new Reply(500, "boom"));

        GroupScores rejected = grader.grade(threeCompletions());

        assertThat(rejected.scores()).hasSize(3).containsOnlyNulls();
        assertThat(rejected.details()).isEqualTo(Map.of("error", HttpGrader.CIRCUIT_OPEN));
        assertThat(requestCount.get()).isEqualTo(2);
        assertThat(grader.rejectedByOpenCircuit()).isEqualTo(1);
        assertThat(grader.failures()).isEqualTo(2);
        assertThat(grader.calls()).isEqualTo(3);
    }

    @Test
    void successfulHalfOpenCallCloses() throws InterruptedException {
        HttpGrader grader = graderWithOpenCircuit(new Reply(500, "boom"));
        responder = n -> new Reply(200, SCORES_OK);

        Thread.sleep(250);
        GroupScores trial = grader.grade(threeCompletions());

        assertThat(trial.scores()).containsExactly(1.0, null, 0.5);
        assertThat(requestCount.get()).isEqualTo(3);
        assertThat(grader.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(grader.grade(threeCompletions()).scores()).containsExactly(1.0, null, 0.5);
        assertThat(requestCount.get()).isEqualTo(4);
    }

    @Test
    void failedHalfOpenCallOpensAgain() throws InterruptedException {
        HttpGrader grader = graderWithOpenCircuit(new Reply(400, "always wrong"));

        Thread.sleep(250);
        GroupScores trial = grader.grade(threeCompletions());

        assertFailed(trial, 3, "HTTP 400");
        assertThat(requestCount.get()).isEqualTo(3);
        assertThat(grader.circuitState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(grader.grade(threeCompletions()).details()).isEqualTo(Map.of("error", HttpGrader.CIRCUIT_OPEN));
        assertThat(requestCount.get()).isEqualTo(3);
    }

    @Test
    void closedGraderSendsNothing() {
        HttpGrader grader = grader(settings(Duration.ofSeconds(1), 3));
        grader.close();

        GroupScores result = grader.grade(threeCompletions());

        assertFailed(result, 3, "grader is closed");
        assertThat(requestCount.get()).isZero();
    }

    @Test
    void settingsDefaults() {
        HttpGraderSettings defaults = HttpGraderSettings.defaults("judge", URI.create("https://judge.example/grade"));

        assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.maxAttempts()).isEqualTo(3);
        assertThat(defaults.retryWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(defaults.failureRateThreshold()).isEqualTo(50f);
        assertThat(defaults.minimumCalls()).isEqualTo(10);
        assertThat(defaults.slidingWindowSize()).isEqualTo(20);
        assertThat(defaults.openDuration()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void settingsNullDurationsTakeDefaults() {
        HttpGraderSettings settings = new HttpGraderSettings("judge", URI.create("http://127.0.0.1:9/grade"), null, 3,
                null, 50, 10, 20, null);

        assertThat(settings.timeout()).isEqualTo(HttpGraderSettings.DEFAULT_TIMEOUT);
        assertThat(settings.retryWait()).isEqualTo(HttpGraderSettings.DEFAULT_RETRY_WAIT);
        assertThat(settings.openDuration()).isEqualTo(HttpGraderSettings.DEFAULT_OPEN_DURATION);
    }

    @Test
    void settingsRejectInvalidValues() {
        URI ok = URI.create("http://127.0.0.1:9/grade");
        Duration second = Duration.ofSeconds(1);

        assertThatThrownBy(() -> HttpGraderSettings.defaults("judge", URI.create("ftp://x")))
                .hasMessage("reasonflow.reward.http-graders.judge.url is 'ftp://x', expected an http or https URL");
        assertThatThrownBy(() -> HttpGraderSettings.defaults("judge", URI.create("/grade")))
                .hasMessageContaining("judge.url is '/grade'");
        assertThatThrownBy(() -> HttpGraderSettings.defaults("judge", null))
                .hasMessage("reasonflow.reward.http-graders.judge.url is missing, expected an http or https URL");
        assertThatThrownBy(() -> HttpGraderSettings.defaults("a judge", ok))
                .hasMessageContaining("name 'a judge'");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, Duration.ZERO, 3, second, 50, 10, 20, second))
                .hasMessage("reasonflow.reward.http-graders.judge.timeout is PT0S, expected a duration of at least 1ms");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 0, second, 50, 10, 20, second))
                .hasMessageStartingWith("reasonflow.reward.http-graders.judge.max-attempts is 0, expected >= 1");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 3, Duration.ofMillis(-1), 50, 10, 20, second))
                .hasMessageStartingWith("reasonflow.reward.http-graders.judge.retry-wait is PT-0.001S");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 3, second, 0, 10, 20, second))
                .hasMessage("reasonflow.reward.http-graders.judge.failure-rate-threshold is 0.0, expected a percentage in (0, 100]");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 3, second, 150, 10, 20, second))
                .hasMessageStartingWith("reasonflow.reward.http-graders.judge.failure-rate-threshold is 150.0");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 3, second, Float.NaN, 10, 20, second))
                .hasMessageStartingWith("reasonflow.reward.http-graders.judge.failure-rate-threshold is NaN");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 3, second, 50, 10, 0, second))
                .hasMessage("reasonflow.reward.http-graders.judge.sliding-window-size is 0, expected >= 1");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 3, second, 50, 30, 20, second))
                .hasMessage("reasonflow.reward.http-graders.judge.minimum-calls is 30, expected a value in"
                        + " [1, sliding-window-size] = [1, 20]");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 3, second, 50, 10, 20, Duration.ZERO))
                .hasMessageStartingWith("reasonflow.reward.http-graders.judge.open-duration is PT0S");
        assertThatThrownBy(() -> new HttpGraderSettings("judge", ok, second, 3, second, 50, 10, 20, second, 0))
                .hasMessage("reasonflow.reward.http-graders.judge.max-response-bytes is 0, expected a size in bytes"
                        + " in [1, 2147483639]");
    }

    @Test
    void defaultResponseLimitIsOneMebibyte() {
        assertThat(HttpGraderSettings.defaults("judge", url).maxResponseBytes()).isEqualTo(1024 * 1024);
        assertThat(settings(Duration.ofSeconds(1), 3).maxResponseBytes()).isEqualTo(1024 * 1024);
    }

    /** Settings with short timings and a response size limit. */
    private HttpGraderSettings limitedSettings(long maxResponseBytes) {
        return new HttpGraderSettings("judge", url, Duration.ofSeconds(2), 3, Duration.ofMillis(10), 50, 10, 20,
                Duration.ofSeconds(30), maxResponseBytes);
    }

    @Test
    @Timeout(30)
    void bodyAtTheLimitIsRead() {
        HttpGrader grader = grader(limitedSettings(SCORES_OK.length()));

        GroupScores result = grader.grade(threeCompletions());

        assertThat(result.scores()).containsExactly(1.0, null, 0.5);
        assertThat(grader.oversizeResponses()).isZero();
    }

    @Test
    @Timeout(30)
    void bodyOneByteOverTheLimitFails() {
        HttpGrader grader = grader(limitedSettings(SCORES_OK.length() - 1));

        GroupScores result = grader.grade(threeCompletions());

        assertFailed(result, 3, "response body of " + SCORES_OK.length() + " bytes (Content-Length) exceeds the"
                + " limit of " + (SCORES_OK.length() - 1) + " bytes (reasonflow.reward.http-graders.judge"
                + ".max-response-bytes); the rest of the body was not read");
        assertThat(grader.oversizeResponses()).isEqualTo(1);
        assertThat(grader.failures()).isEqualTo(1);
        assertThat(requestCount.get()).as("an oversize response is not retried").isEqualTo(1);
    }

    @Test
    @Timeout(30)
    void streamedOversizeBodyIsNotReadToTheEnd() throws Exception {
        long total = 256L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        CountDownLatch serverDone = new CountDownLatch(1);
        // Sends a chunked body without Content-Length, so the limit has to stop the reading part way.
        server.createContext("/endless", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(200, 0);
                byte[] chunk = " ".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
                OutputStream out = exchange.getResponseBody();
                while (written.get() < total) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                // The grader closed the connection.
            } finally {
                serverDone.countDown();
            }
        });
        URI endless = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/endless");
        HttpGrader grader = grader(new HttpGraderSettings("judge", endless, Duration.ofSeconds(4), 3,
                Duration.ofMillis(10), 50, 10, 20, Duration.ofSeconds(30), 64 * 1024));

        GroupScores result = grader.grade(threeCompletions());

        assertFailed(result, 3, "response body exceeds the limit of 65536 bytes");
        assertThat(grader.oversizeResponses()).isEqualTo(1);
        assertThat(grader.requestsSent()).as("an oversize response is not retried").isEqualTo(1);
        assertThat(serverDone.await(4, TimeUnit.SECONDS)).as("the server's write failed once the grader closed the"
                + " connection").isTrue();
        // Socket buffers on loopback take a few megabytes; a body read to its end would be all 256 MiB.
        assertThat(written.get()).isLessThan(total / 4);
    }

    @Test
    @Timeout(30)
    void redirectToAnotherHostIsNotFollowed() throws IOException {
        AtomicInteger otherRequests = new AtomicInteger();
        HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        other.createContext("/", exchange -> {
            try (exchange) {
                otherRequests.incrementAndGet();
                exchange.sendResponseHeaders(200, -1);
            }
        });
        other.start();
        try {
            String target = "http://localhost:" + other.getAddress().getPort() + "/grade";
            server.createContext("/moved", exchange -> {
                try (exchange) {
                    exchange.getRequestBody().readAllBytes();
                    exchange.getResponseHeaders().set("Location", target);
                    exchange.sendResponseHeaders(307, -1);
                }
            });
            URI moved = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/moved");
            HttpGrader grader = grader(new HttpGraderSettings("judge", moved, Duration.ofSeconds(1), 3,
                    Duration.ofMillis(10), 50, 10, 20, Duration.ofSeconds(30)));

            GroupScores result = grader.grade(threeCompletions());

            assertFailed(result, 3, "HTTP 307");
            assertThat(otherRequests.get()).as("requests at the redirect target").isZero();
            assertThat(grader.requestsSent()).isEqualTo(1);
        } finally {
            other.stop(0);
        }
    }
}
