package io.reasonflow.reward;

import io.reasonflow.contracts.Topics;
import io.reasonflow.reward.plugin.GroupGrader;
import io.reasonflow.reward.plugin.HttpGrader;
import io.reasonflow.reward.stream.RewardCounters;
import io.reasonflow.reward.stream.ScoringTopology;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.streams.KafkaStreamsMicrometerListener;
import org.springframework.kafka.core.CleanupConfig;

/**
 * Runs the scoring topology with Kafka Streams through Spring Kafka, exactly once: each input record's
 * output, dead letters, state changes and consumed offset commit in one transaction, and consumers read
 * committed records only.
 */
@Configuration(proxyBeanMethods = false)
public class RewardStreamsConfiguration {
    private static final Logger log = LoggerFactory.getLogger(RewardStreamsConfiguration.class);
    private static final Duration TOPIC_CHECK_TIMEOUT = Duration.ofSeconds(30);
    private static final int PRODUCER_BATCH_BYTES = 512 * 1024;
    private static final int SESSION_TIMEOUT_MS = 10_000;

    @Bean
    RewardCounters rewardCounters() {
        return new RewardCounters();
    }

    @Bean
    RewardMetrics rewardMetrics(RewardCounters counters, RewardProperties properties) {
        return new RewardMetrics(counters, properties);
    }

    /**
     * Publishes the failed calls and the oversize responses of each HTTP grader, as
     * {@code reasonflow_reward_http_grader_failures_total} and {@code reasonflow_reward_http_grader_oversize_responses_total}
     * with a {@code grader} tag.
     */
    @Bean
    MeterBinder httpGraderMetrics(List<GroupGrader> httpGraders) {
        return registry -> {
            for (GroupGrader grader : httpGraders) {
                if (grader instanceof HttpGrader http) {
                    FunctionCounter.builder("reasonflow.reward.http.grader.failures", http, HttpGrader::failures)
                            .description("Groups an HTTP grader gave null scores after a failed call, open circuit excluded")
                            .tag("grader", http.name()).register(registry);
                    FunctionCounter.builder("reasonflow.reward.http.grader.oversize.responses", http,
                            HttpGrader::oversizeResponses)
                            .description("HTTP grader responses whose body exceeded max-response-bytes and was not read further")
                            .tag("grader", http.name()).register(registry);
                }
            }
        };
    }

    @Bean(destroyMethod = "")
    List<GroupGrader> httpGraders(RewardProperties properties) {
        List<GroupGrader> graders = new ArrayList<>();
        properties.httpGraders().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(entry -> graders.add(new HttpGrader(entry.getValue().toSettings(entry.getKey()))));
        return graders;
    }

    @Bean
    StreamsBuilderFactoryBean rewardStreams(RewardProperties properties, KafkaProperties kafka,
            List<GroupGrader> httpGraders, RewardCounters counters, MeterRegistry meterRegistry,
            @Value("${spring.application.name}") String serviceName) {
        String bootstrapServers = String.join(",", kafka.getBootstrapServers());
        checkSourceTopics(kafka.buildAdminProperties(), bootstrapServers);
        Map<String, Object> config = new HashMap<>(kafka.buildStreamsProperties());
        config.putAll(streamsConfig(properties.streams(), bootstrapServers));
        // Kafka Streams leaves its group on close only with static membership, so a replacement waits for the
        // old session to time out. 10 s instead of Kafka's 45 s keeps that short, unless the properties set another.
        String sessionTimeout = StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
        if (!config.containsKey(sessionTimeout) && !config.containsKey(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)) {
            config.put(sessionTimeout, SESSION_TIMEOUT_MS);
        }

        StreamsBuilderFactoryBean factory = new StreamsBuilderFactoryBean(new KafkaStreamsConfiguration(config),
                new CleanupConfig(false, false));
        ScoringTopology.Settings settings = new ScoringTopology.Settings(properties.kafkaGraders(),
                properties.mergeTimeout(), serviceName, properties.maxRecordBytes());
        factory.setInfrastructureCustomizer(new KafkaStreamsInfrastructureCustomizer() {
            @Override
            public void configureTopology(Topology topology) {
                ScoringTopology.build(topology, settings, () -> new GroupScorer(properties, httpGraders), counters);
            }
        });
        factory.setStreamsUncaughtExceptionHandler(error -> {
            log.error("A reward stream thread failed; replacing it. Its open transaction is aborted and its "
                    + "records are read again.", error);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        factory.setStateListener((next, previous) -> log.info("Reward streams: {} -> {}", previous, next));
        factory.addListener(new KafkaStreamsMicrometerListener(meterRegistry));
        log.info("Reward service: graders {}, Kafka graders {}, merge timeout {}", properties.reportedGraders(),
                properties.kafkaGraders(), properties.mergeTimeout());
        return factory;
    }

    /**
     * Returns the Kafka Streams settings of the scoring topology: exactly-once processing, the configured
     * threads, state directory and commit interval (which also caps the poll time), and reading from the earliest
     * offset. Producer batches
     * are 512 KiB, because a group with its token ids and log-probs is often tens of kilobytes, above the
     * producer's default batch size of 16 KiB.
     */
    public static Map<String, Object> streamsConfig(RewardProperties.Streams streams, String bootstrapServers) {
        Map<String, Object> config = new HashMap<>();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, streams.applicationId());
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.STATE_DIR_CONFIG, streams.stateDir().toString());
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streams.threads());
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, streams.commitInterval().toMillis());
        // A stream thread commits only between polls, and an idle poll blocks for poll.ms (100 ms by default), so
        // the last scored group before a pause would wait that long for its commit. Polls no longer than the
        // commit interval keep that wait at the interval.
        config.put(StreamsConfig.POLL_MS_CONFIG, Math.min(100L, streams.commitInterval().toMillis()));
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        config.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), PRODUCER_BATCH_BYTES);
        // Rollouts and partial scores are merged by group id, not in timestamp order, so a task
        // processes whatever has arrived instead of waiting for data on both of its partitions.
        config.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        return config;
    }

    /**
     * Checks that both source topics exist with the same number of partitions: a group's rollout and
     * its partial scores must land in the same stream task to be merged.
     *
     * @param adminProperties the client settings of {@code spring.kafka.*}, security included
     */
    static void checkSourceTopics(Map<String, Object> adminProperties, String bootstrapServers) {
        Map<String, Object> config = new HashMap<>(adminProperties);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TOPIC_CHECK_TIMEOUT.toMillis());
        String rollouts = Topics.ROLLOUTS.name();
        String rewards = Topics.REWARDS.name();
        try (Admin admin = Admin.create(config)) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(rollouts, rewards)).allTopicNames()
                    .get(TOPIC_CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            int rolloutPartitions = topics.get(rollouts).partitions().size();
            int rewardPartitions = topics.get(rewards).partitions().size();
            if (rolloutPartitions != rewardPartitions) {
                throw new IllegalStateException(rollouts + " has " + rolloutPartitions + " partitions and " + rewards
                        + " has " + rewardPartitions + "; give both the same count so that a group's scores meet "
                        + "its rollout");
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("topic " + rollouts + " or " + rewards + " does not exist on "
                        + bootstrapServers + "; create both, with the same number of partitions, before starting "
                        + "the reward service", e.getCause());
            }
            throw new IllegalStateException("cannot describe " + rollouts + " and " + rewards + " on "
                    + bootstrapServers + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrapServers + " within "
                    + TOPIC_CHECK_TIMEOUT.toSeconds() + " s; check spring.kafka.bootstrap-servers", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics on " + bootstrapServers, e);
        }
    }
}
