package io.reasonflow.pipeline.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientSettingsTest {
    @TempDir
    Path directory;

    private Path file(String text) throws IOException {
        return Files.writeString(directory.resolve("client.properties"), text);
    }

    @Test
    void readsPropertiesAndShowsNamesOnly() throws IOException {
        KafkaClientSettings settings = KafkaClientSettings.read(file("""
                security.protocol=SASL_SSL
                sasl.mechanism = SCRAM-SHA-512
                sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="secret";
                ssl.truststore.location=/etc/kafka/truststore.jks
                """));

        assertThat(settings.names()).containsExactly("sasl.jaas.config", "sasl.mechanism", "security.protocol",
                "ssl.truststore.location");
        assertThat(settings.clientProperties()).containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(settings.toString()).doesNotContain("secret");
    }

    @Test
    void springArgumentsEscapePlaceholders() throws IOException {
        KafkaClientSettings settings = KafkaClientSettings.read(file("sasl.jaas.config=x password=\"a${HOME}b\";\n"));

        assertThat(settings.springArguments())
                .containsExactly("--spring.kafka.properties.sasl.jaas.config=x password=\"a\\${HOME}b\";");
    }

    @Test
    void bootstrapServersInTheFileAreRejected() throws IOException {
        Path file = file("bootstrap.servers=kafka:9093\n");

        assertThatThrownBy(() -> KafkaClientSettings.read(file))
                .isInstanceOf(KafkaClientSettings.InvalidKafkaConfigException.class)
                .hasMessageContaining("sets bootstrap.servers; give the cluster with --bootstrap-servers");
    }

    @Test
    void springPropertiesAreRejected() throws IOException {
        Path file = file("spring.kafka.security.protocol=SSL\n");

        assertThatThrownBy(() -> KafkaClientSettings.read(file))
                .hasMessageContaining("sets spring.kafka.security.protocol, which is not a Kafka client property");
    }

    @Test
    void missingFileIsReported() {
        Path missing = directory.resolve("absent.properties");

        assertThatThrownBy(() -> KafkaClientSettings.read(missing))
                .hasMessageStartingWith("cannot read Kafka client properties from " + missing);
    }
}
