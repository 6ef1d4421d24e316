package io.reasonflow.pipeline;

import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A single-node Apache Kafka broker in KRaft mode in a child JVM, run by Kafka's own {@code kafka.Kafka} as
 * {@code kafka-server-start.sh} runs it, with the local broker's settings. Its ports and log directory stay the
 * same across restarts, so a broker started again after a kill is the same broker with the same data.
 */
final class ProcessBroker {
    private final ChildProcesses processes;
    private final Path configFile;
    private final int port;
    private ChildProcesses.Child process;

    private ProcessBroker(ChildProcesses processes, Path configFile, int port) {
        this.processes = processes;
        this.configFile = configFile;
        this.port = port;
    }

    /** Writes the settings into {@code directory} and formats its log directory, as {@code kafka-storage.sh format} does. */
    static ProcessBroker format(ChildProcesses processes, Path directory) throws IOException {
        Files.createDirectories(directory);
        int port = LocalKafkaBroker.freePort();
        int controllerPort = LocalKafkaBroker.freePort();
        Properties config = LocalKafkaBroker.config(directory.resolve("logs"), port, controllerPort);
        Path file = directory.resolve("server.properties");
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            config.store(writer, "ReasonFlow broker in a child process");
        }
        LocalKafkaBroker.format(file);
        return new ProcessBroker(processes, file, port);
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    ChildProcesses.Child process() {
        return process;
    }

    /** Starts the broker process and returns once it responds to an admin request. */
    void start(Duration timeout) throws IOException, InterruptedException {
        process = processes.start("broker", "kafka.Kafka", List.of("-Xmx512m"), null, List.of(configFile.toString()));
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker exited with status " + process.process().exitValue()
                        + "\n" + process.tail(4000));
            }
            try (Admin client = Admin.create(admin)) {
                client.describeCluster().clusterId().get(3, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not respond within " + timeout + "\n"
                            + process.tail(4000), notYet);
                }
                Thread.sleep(500);
            }
        }
    }

    /** Kills the broker process with SIGKILL. */
    void kill() throws InterruptedException {
        process.kill();
    }
}
