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

    /**
     * Creates missing topics.
     *
     * @throws BrokerUnreachableException when the cluster does not respond within {@code timeout}
     */
    public static void ensureTopics(String bootstrapServers, Duration timeout) {
        Properties config = new Properties();
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
        } catch (TimeoutException e) {
            throw unreachable(bootstrapServers, timeout, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                // The admin client's own timeout can expire just before the wait above does.
                throw unreachable(bootstrapServers, timeout, e.getCause());
            }
            throw new BrokerUnreachableException("topic setup failed on Kafka at " + bootstrapServers + ": "
                    + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrokerUnreachableException("interrupted while setting up topics on " + bootstrapServers, e);
        }
    }

    private static BrokerUnreachableException unreachable(String bootstrapServers, Duration timeout, Throwable cause) {
        return new BrokerUnreachableException("cannot reach Kafka at " + bootstrapServers + " within "
                + timeout.toSeconds() + " s; check --bootstrap-servers and that the broker is running", cause);
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
