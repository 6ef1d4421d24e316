package io.reasonflow.reward.stream;

import io.reasonflow.contracts.Topics;
import io.reasonflow.reward.GroupScorer;
import io.reasonflow.reward.RewardProperties;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The reward service's Kafka Streams topology: {@code reasonflow.rollouts} and {@code reasonflow.rewards}
 * into one {@link ScoringProcessor} with a changelogged store of pending groups, and sinks to
 * {@code reasonflow.scored} and the two dead-letter topics.
 *
 * <p>Both source topics are keyed by group id and must have the same number of partitions, so a
 * group's rollout and its partial scores meet in the same stream task.
 */
public final class ScoringTopology {
    static final String PENDING_STORE = "reward-pending-groups";
    static final String SCORED_SINK = "scored";
    static final String ROLLOUTS_DLQ_SINK = "rollouts-dlq";
    static final String REWARDS_DLQ_SINK = "rewards-dlq";
    private static final String ROLLOUTS_SOURCE = "rollouts";
    private static final String REWARDS_SOURCE = "rewards";
    private static final String PROCESSOR = "score-and-merge";

    /**
     * Processor settings besides its graders.
     *
     * @param kafkaGraders   grader names whose partial scores a group waits for
     * @param mergeTimeout   longest wait for them
     * @param serviceName    service name written in dead-letter headers
     * @param maxRecordBytes largest input record value read, in bytes. A larger one is dead-lettered without its
     *                       value.
     */
    public record Settings(List<String> kafkaGraders, Duration mergeTimeout, String serviceName, int maxRecordBytes) {
        public Settings {
            kafkaGraders = List.copyOf(kafkaGraders);
        }

        /** Settings with the default size limit, {@link RewardProperties#DEFAULT_MAX_RECORD_BYTES}. */
        public Settings(List<String> kafkaGraders, Duration mergeTimeout, String serviceName) {
            this(kafkaGraders, mergeTimeout, serviceName, RewardProperties.DEFAULT_MAX_RECORD_BYTES);
        }
    }

    private ScoringTopology() {
    }

    /**
     * Adds the scoring nodes to {@code topology}.
     *
     * @param scorers creates one scorer per stream task, as scorers are not thread-safe
     */
    public static Topology build(Topology topology, Settings settings, Supplier<GroupScorer> scorers,
            RewardCounters counters) {
        StringDeserializer keys = new StringDeserializer();
        ByteArrayDeserializer values = new ByteArrayDeserializer();
        topology.addSource(ROLLOUTS_SOURCE, keys, values, Topics.ROLLOUTS.name());
        topology.addSource(REWARDS_SOURCE, keys, values, Topics.REWARDS.name());
        topology.addProcessor(PROCESSOR, () -> new ScoringProcessor(settings, scorers, counters),
                ROLLOUTS_SOURCE, REWARDS_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PENDING_STORE),
                Serdes.String(), Serdes.ByteArray()), PROCESSOR);
        StringSerializer keyOut = new StringSerializer();
        ByteArraySerializer valueOut = new ByteArraySerializer();
        topology.addSink(SCORED_SINK, Topics.SCORED.name(), keyOut, valueOut, PROCESSOR);
        topology.addSink(ROLLOUTS_DLQ_SINK, Topics.ROLLOUTS.deadLetterTopic(), keyOut, valueOut, PROCESSOR);
        topology.addSink(REWARDS_DLQ_SINK, Topics.REWARDS.deadLetterTopic(), keyOut, valueOut, PROCESSOR);
        return topology;
    }
}
