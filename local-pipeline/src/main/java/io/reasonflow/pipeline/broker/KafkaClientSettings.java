package io.reasonflow.pipeline.broker;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Kafka client properties read from a properties file ({@code --kafka-config FILE}), such as
 * {@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config} and {@code ssl.*}. The local
 * pipeline gives them to its topic set-up's admin client and, as {@code spring.kafka.properties.*}, to every
 * service it starts, so that they reach each producer, consumer, admin and Kafka Streams client there.
 *
 * <p>Values may be secrets. {@link #toString()} and {@link #names()} show the property names only, and
 * nothing in the pipeline logs or prints a value.
 */
public final class KafkaClientSettings {
    /** No properties: plain connections, as to the local broker. */
    public static final KafkaClientSettings NONE = new KafkaClientSettings(Map.of());

    private static final String SPRING_PREFIX = "spring.kafka.properties.";

    private final Map<String, String> properties;

    private KafkaClientSettings(Map<String, String> properties) {
        this.properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    /**
     * Reads a Java properties file (ISO 8859-1 escapes are not needed: the file is read as UTF-8).
     *
     * @throws InvalidKafkaConfigException when the file cannot be read or names a property that the pipeline
     *         sets itself
     */
    public static KafkaClientSettings read(Path file) {
        Properties loaded = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            loaded.load(reader);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidKafkaConfigException("cannot read Kafka client properties from " + file
                    + ": no such file; give the path of a properties file", e);
        } catch (IOException | IllegalArgumentException e) {
            // The exception names the file or a malformed escape, never a value.
            throw new InvalidKafkaConfigException("cannot read Kafka client properties from " + file + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
        Map<String, String> properties = new LinkedHashMap<>();
        for (String name : loaded.stringPropertyNames()) {
            String key = name.strip();
            if (key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new InvalidKafkaConfigException(file + " sets bootstrap.servers; give the cluster with "
                        + "--bootstrap-servers (demo, distill) or kafka.bootstrap_servers (run config) instead", null);
            }
            if (key.startsWith("spring.")) {
                throw new InvalidKafkaConfigException(file + " sets " + key + ", which is not a Kafka client "
                        + "property; write Kafka's own names, such as security.protocol or sasl.jaas.config", null);
            }
            properties.put(key, loaded.getProperty(name).strip());
        }
        return new KafkaClientSettings(properties);
    }

    /** Returns whether there is no property. */
    public boolean isEmpty() {
        return properties.isEmpty();
    }

    /** Returns the property names, sorted. Unlike the values, they are safe to show. */
    public Set<String> names() {
        return properties.keySet();
    }

    /** Returns a copy of the properties, for a Kafka client's configuration. */
    public Map<String, Object> clientProperties() {
        return new LinkedHashMap<>(properties);
    }

    /**
     * Returns one {@code --spring.kafka.properties.KEY=VALUE} command-line argument per property for a Spring Boot
     * service. Every {@code ${} in a value is escaped as {@code \${}, so that Spring does not read it as a
     * placeholder and passes the value through unchanged.
     */
    public List<String> springArguments() {
        List<String> arguments = new ArrayList<>();
        properties.forEach((key, value) -> arguments.add("--" + SPRING_PREFIX + key + "=" + value.replace("${", "\\${")));
        return arguments;
    }

    @Override
    public String toString() {
        return "KafkaClientSettings" + names();
    }

    /** The file cannot be read or contains a property that the pipeline does not accept there. */
    public static final class InvalidKafkaConfigException extends RuntimeException {
        InvalidKafkaConfigException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
