package io.reasonflow.reward;

import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.service.MessagePublisher;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Reads rollout groups, scores them and publishes the scored group under the same key. A record that
 * does not decode throws {@code InvalidMessageException}, which the error handler sends to
 * {@code reasonflow.rollouts.dlq} without retrying.
 */
@Component
public class RolloutScoringListener {
    private static final Logger log = LoggerFactory.getLogger(RolloutScoringListener.class);

    private final GroupScorer scorer;
    private final MessagePublisher publisher;
    private final AtomicLong groupsScored = new AtomicLong();
    private final AtomicLong completionsScored = new AtomicLong();

    public RolloutScoringListener(RewardProperties properties, MessagePublisher publisher) {
        this.scorer = new GroupScorer(properties.weights());
        this.publisher = publisher;
    }

    @KafkaListener(id = "reward-rollouts", topics = "reasonflow.rollouts", groupId = "${reasonflow.reward.group-id:reasonflow-reward}")
    public void onRollout(ConsumerRecord<String, byte[]> record) {
        RolloutGroup group = Topics.ROLLOUTS.decode(record.value());
        ScoredGroup scored = scorer.score(group);
        publisher.sendAndWait(Topics.SCORED, group.groupId(), scored);
        groupsScored.incrementAndGet();
        completionsScored.addAndGet(group.completions().size());
        log.debug("Scored group {} ({} completions) from {}-{}@{}", group.groupId(), group.completions().size(),
                record.topic(), record.partition(), record.offset());
    }

    public long groupsScored() {
        return groupsScored.get();
    }

    public long completionsScored() {
        return completionsScored.get();
    }
}
