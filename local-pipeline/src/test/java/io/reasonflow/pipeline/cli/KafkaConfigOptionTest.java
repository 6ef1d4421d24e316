package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors of {@code --kafka-config}, which stop a command before it starts a broker or connects. */
class KafkaConfigOptionTest {
    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return ReasonflowCli.execute(new PrintWriter(out), new PrintWriter(err), args);
    }

    @Test
    void demoNeedsAnExistingCluster() throws IOException {
        Path config = Files.writeString(directory.resolve("client.properties"), "security.protocol=SSL\n");

        int status = run("demo", "--smoke", "--kafka-config", config.toString(), "--out", directory.toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("Option '--kafka-config' configures the clients of an existing cluster: "
                + "give --bootstrap-servers too");
    }

    @Test
    void distillRejectsAMissingFile() {
        Path missing = directory.resolve("absent.properties");

        int status = run("distill", "--teacher-run", "t", "--bootstrap-servers", "127.0.0.1:9", "--kafka-config",
                missing.toString(), "--out", directory.toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--kafka-config': cannot read Kafka client "
                + "properties from " + missing);
    }

    @Test
    void demoRejectsBootstrapServersInTheFile() throws IOException {
        Path config = Files.writeString(directory.resolve("client.properties"), "bootstrap.servers=x:1\n");

        int status = run("demo", "--bootstrap-servers", "127.0.0.1:9", "--kafka-config", config.toString(),
                "--out", directory.toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).contains("sets bootstrap.servers");
    }
}
