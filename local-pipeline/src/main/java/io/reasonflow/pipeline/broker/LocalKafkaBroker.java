package io.reasonflow.pipeline.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Apache Kafka broker in KRaft mode (combined broker and controller) running in this
 * JVM: bound to 127.0.0.1 on free ports, with its log directory in a temporary directory that
 * {@link #close()} deletes.
 */
public final class LocalKafkaBroker implements AutoCloseable {
    private final Path dataDirectory;
    private final int brokerPort;
    private final KafkaRaftServer server;
    private final Thread cleanupOnExit;

    private LocalKafkaBroker(Path dataDirectory, int brokerPort, KafkaRaftServer server) {
        this.dataDirectory = dataDirectory;
        this.brokerPort = brokerPort;
        this.server = server;
        // A JVM stopped by a signal skips close(); the hook still removes the data directory.
        this.cleanupOnExit = new Thread(() -> deleteQuietly(dataDirectory), "reasonflow-broker-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupOnExit);
    }

    /** Formats a fresh log directory and starts the broker; returns once it accepts connections. */
    public static LocalKafkaBroker start() {
        Path directory;
        try {
            directory = Files.createTempDirectory("reasonflow-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the Kafka broker: " + e.getMessage(), e);
        }
        try {
            int brokerPort = freePort();
            int controllerPort = freePort();
            Properties config = config(directory.resolve("logs"), brokerPort, controllerPort);
            Path file = directory.resolve("server.properties");
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                config.store(writer, "ReasonFlow local broker");
            }
            format(file);
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
            server.startup();
            return new LocalKafkaBroker(directory, brokerPort, server);
        } catch (IOException e) {
            deleteRecursively(directory);
            throw new UncheckedIOException("cannot start the local Kafka broker: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteRecursively(directory);
            throw e;
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    @Override
    public void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            deleteRecursively(dataDirectory);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
            } catch (IllegalStateException alreadyExiting) {
                // the JVM is shutting down and runs the hook anyway
            }
        }
    }

    /**
     * Returns the settings of a single-node KRaft broker on 127.0.0.1 with its data in {@code logDirectory}: the
     * local broker's, and those of a broker run as a process of its own by Kafka's {@code kafka.Kafka}.
     */
    public static Properties config(Path logDirectory, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", logDirectory.toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        return p;
    }

    /** Writes the cluster metadata into the fresh log directory, as {@code kafka-storage.sh format} does. */
    public static void format(Path propertiesFile) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            status = StorageTool.execute(new String[] {"format", "--cluster-id", Uuid.randomUuid().toString(),
                "--config", propertiesFile.toString()}, print);
        }
        if (status != 0) {
            throw new IllegalStateException("formatting the Kafka log directory failed (status " + status + "): "
                    + output.toString(StandardCharsets.UTF_8));
        }
    }

    /** Returns a port that is free on the loopback address now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteQuietly(Path directory) {
        try {
            deleteRecursively(directory);
        } catch (UncheckedIOException e) {
            System.err.println("Could not delete the Kafka data directory " + directory + ": " + e.getMessage());
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the broker directory " + directory + ": " + e.getMessage(), e);
        }
    }
}
