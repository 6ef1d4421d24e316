package io.reasonflow.pipeline.cli;

import io.reasonflow.pipeline.broker.KafkaClientSettings;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The {@code --kafka-config FILE} option of the commands that can work on an existing Kafka cluster. */
final class KafkaConfigOption {
    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file of an existing cluster, with settings such as "
                    + "sasl.jaas.config, sasl.mechanism, security.protocol and ssl.*. The topic set-up and every "
                    + "service use them. Their values are never printed.")
    private Path file;

    /**
     * Reads the file, or returns {@link KafkaClientSettings#NONE} when the option is not given.
     *
     * @param cluster       the existing cluster's bootstrap servers, or null when the command starts a local
     *                      broker, which accepts plain connections only
     * @param clusterOption where the user names the cluster, for the error message
     * @throws CommandLine.ParameterException when the option cannot be used or the file is invalid
     */
    KafkaClientSettings read(CommandLine commandLine, String cluster, String clusterOption) {
        if (file == null) {
            return KafkaClientSettings.NONE;
        }
        if (cluster == null) {
            throw new CommandLine.ParameterException(commandLine, "Option '--kafka-config' configures the clients of "
                    + "an existing cluster: give " + clusterOption + " too (the local broker accepts plain "
                    + "connections only)");
        }
        try {
            return KafkaClientSettings.read(file);
        } catch (KafkaClientSettings.InvalidKafkaConfigException e) {
            throw new CommandLine.ParameterException(commandLine, "Invalid value for option '--kafka-config': "
                    + e.getMessage());
        }
    }

    /** Returns the console line that names the properties read, without their values. */
    String summary(KafkaClientSettings settings) {
        return "Kafka client properties from " + file + ": " + String.join(", ", settings.names());
    }
}
