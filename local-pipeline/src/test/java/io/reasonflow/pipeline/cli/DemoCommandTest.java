package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors and bad input of {@code reasonflow demo}: clear messages and the documented exit codes. */
class DemoCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return ReasonflowCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void helpOnEveryCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("demo");
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--smoke", "--dataset", "--out", "--bootstrap-servers");
    }

    @Test
    void unknownOptionIsUsageError() {
        assertThat(run("demo", "--smok")).isEqualTo(2);
        assertThat(err.toString()).contains("--smok");
    }

    @Test
    void invalidSeedIsUsageError() {
        assertThat(run("demo", "--seed", "many")).isEqualTo(2);
        assertThat(err.toString()).contains("--seed").contains("many");
    }

    @Test
    void malformedBootstrapServersIsUsageError() {
        assertThat(run("demo", "--bootstrap-servers", "localhost")).isEqualTo(2);
        assertThat(err.toString()).contains("--bootstrap-servers").contains("localhost").contains("HOST:PORT");
    }

    @Test
    void missingDatasetNamesFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.jsonl");
        assertThat(run("demo", "--dataset", missing.toString(), "--out", dir.resolve("out").toString())).isEqualTo(2);
        assertThat(err.toString()).contains(missing.toString());
    }

    @Test
    void malformedDatasetLineNamesFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.jsonl");
        Files.writeString(file, "{\"question\": \"1+1?\", \"answer\": \"2\\n#### 2\"}\n{not json\n");
        assertThat(run("demo", "--dataset", file.toString(), "--out", dir.resolve("out").toString())).isEqualTo(2);
        assertThat(err.toString()).contains(file.toString()).contains("line 2");
    }

    @Test
    void outputPathThatIsFileIsUsageError(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");

        assertThat(run("demo", "--smoke", "--out", file.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--out").contains(file.toString()).contains("not a directory");
    }

    @Test
    @Timeout(120)
    void datasetTooSmallIsInvalidInput(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("one.jsonl"), "{\"question\": \"1+1?\", \"answer\": \"2\\n#### 2\"}\n");

        assertThat(run("demo", "--smoke", "--dataset", file.toString(), "--out", dir.resolve("out").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("Invalid input").contains("held-out examples");
        assertThat(err.toString()).doesNotContain("\tat ");
    }

    @Test
    @Timeout(240)
    void missingPluginGraderStopsRun(@TempDir Path dir) {
        // Without the base stage, whose evaluation would wait on the absent grader too.
        int code = run("demo", "--smoke", "--out", dir.resolve("out").toString(), "--reward", "kafka-graders=absent",
                "--reward", "merge-timeout=1", "--trainer", "base.steps=0");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("went to a dead-letter topic and none was scored")
                .contains("no scores from Kafka graders [absent]").doesNotContain("\tat ");
    }

    @Test
    @Timeout(60)
    void unreachableClusterFailsFast(@TempDir Path dir) throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        long start = System.nanoTime();
        int code = run("demo", "--smoke", "--bootstrap-servers", "127.0.0.1:" + closedPort, "--out",
                dir.resolve("out").toString());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(code).isEqualTo(1);
        assertThat(took).isLessThan(Duration.ofSeconds(30));
        assertThat(err.toString()).contains("127.0.0.1:" + closedPort).contains("cannot reach Kafka");
    }
}
