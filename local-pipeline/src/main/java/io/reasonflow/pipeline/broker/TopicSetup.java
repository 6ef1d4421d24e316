package io.reasonflow.pipeline.broker;

import io.reasonflow.contracts.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Checks that a cluster is reachable and creates the pipeline's topics that do not exist yet. */
public final class TopicSetup {
    /** Partitions of the topics that rollout and reward workers share as consumer groups. */
    public static final int WORK_PARTITIONS = 4;

    private static final Set<String> WORK_TOPICS = Set.of(Topics.PROMPTS.name(), Topics.ROLLOUTS.name(),
            Topics.REWARDS.name(), Topics.SCORED.name());

    private TopicSetup() {
    }

    /** Creates missing topics over a plain connection; see {@link #ensureTopics(String, KafkaClientSettings, Duration)}. */
    public static void ensureTopics(String bootstrapServers, Duration timeout) {
        ensureTopics(bootstrapServers, KafkaClientSettings.NONE, timeout);
    }

    /**
     * Creates missing topics with an admin client that uses {@code client}'s properties, such as SASL or TLS
     * settings.
     *
     * @throws BrokerUnreachableException when the cluster does not respond within {@code timeout}, rejects the
     *         client's authentication or fails a request
     */
    public static void ensureTopics(String bootstrapServers, KafkaClientSettings client, Duration timeout) {
        Properties config = new Properties();
        config.putAll(client.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (Admin admin = Admin.create(config)) {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : Topics.allNames()) {
                if (!existing.contains(name)) {
                    missing.add(newTopic(name));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            // Admin.create rejects an invalid client property, such as an unknown security.protocol. The message
            // names the property; Kafka does not put the value of a password property into it.
            throw new BrokerUnreachableException("invalid Kafka client settings for " + bootstrapServers + ": "
                    + describe(e), e);
        } catch (TimeoutException e) {
            throw unreachable(bootstrapServers, client, timeout, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                // The admin client's own timeout can expire just before the wait above does.
                throw unreachable(bootstrapServers, client, timeout, e.getCause());
            }
            if (e.getCause() instanceof org.apache.kafka.common.errors.AuthenticationException) {
                throw new BrokerUnreachableException("Kafka at " + bootstrapServers + " rejected the client's "
                        + "authentication: " + e.getCause().getMessage() + "; check the SASL or TLS settings of "
                        + "--kafka-config", e);
            }
            throw new BrokerUnreachableException("topic setup failed on Kafka at " + bootstrapServers + ": "
                    + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerUnreachableException("interrupted while setting up topics on " + bootstrapServers, e);
        }
    }

    private static BrokerUnreachableException unreachable(String bootstrapServers, KafkaClientSettings client,
            Duration timeout, Throwable cause) {
        String settings = client.isEmpty() ? "--bootstrap-servers" : "--bootstrap-servers, the security settings "
                + "of --kafka-config " + client.names();
        return new BrokerUnreachableException("cannot reach Kafka at " + bootstrapServers + " within "
                + timeout.toSeconds() + " s; check " + settings + " and that the broker is running", cause);
    }

    private static String describe(Throwable error) {
        String message = error.getMessage();
        Throwable cause = error.getCause();
        if (cause != null && cause.getMessage() != null && !cause.getMessage().equals(message)) {
            message = message + ": " + cause.getMessage();
        }
        return message;
    }

    private static NewTopic newTopic(String name) {
        int partitions = WORK_TOPICS.contains(name) ? WORK_PARTITIONS : 1;
        NewTopic topic = new NewTopic(name, partitions, (short) 1);
        if (name.equals(Topics.POLICY_CHUNKS.name())) {
            topic.configs(Map.of("max.message.bytes", Integer.toString(2 * 1024 * 1024)));
        }
        return topic;
    }

    /** The cluster named by the bootstrap servers did not respond or rejected a request. */
    public static final class BrokerUnreachableException extends RuntimeException {
        BrokerUnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
