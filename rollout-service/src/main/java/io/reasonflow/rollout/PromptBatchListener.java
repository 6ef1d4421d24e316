package io.reasonflow.rollout;

import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.service.DeadLetters;
import io.reasonflow.service.MessagePublisher;
import io.reasonflow.service.RecordDescriptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Reads prompts a poll at a time, samples their groups in packed batches and publishes one record per
 * group. Prompts that do not decode go to {@code reasonflow.prompts.dlq} at once; the rest of the
 * poll is generated. Offsets are committed after the poll's groups are acknowledged by the broker.
 */
@Component
public class PromptBatchListener {
    private static final Logger log = LoggerFactory.getLogger(PromptBatchListener.class);

    private final PolicyFollower policies;
    private final GroupGenerator generator;
    private final MessagePublisher publisher;
    private final DeadLetters deadLetters;
    private final RolloutProperties properties;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong groupsPublished = new AtomicLong();
    private final AtomicLong tokensGenerated = new AtomicLong();
    private final AtomicLong generationNanos = new AtomicLong();
    private volatile double lastBatchFill;
    private volatile long lastVersionLag;
    private final java.util.Set<Long> versionsUsed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public PromptBatchListener(PolicyFollower policies, MessagePublisher publisher, DeadLetters deadLetters,
            RolloutProperties properties) {
        this.policies = policies;
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.properties = properties;
        this.generator = new GroupGenerator(new ByteTokenizer(), properties.maxBatchSequences(), properties.workerId());
    }

    @KafkaListener(id = "rollout-prompts", topics = "reasonflow.prompts", containerFactory = "batchListenerContainerFactory",
            groupId = "${reasonflow.rollout.group-id:reasonflow-rollout}")
    public void onPrompts(List<ConsumerRecord<String, byte[]>> records) throws TimeoutException, InterruptedException {
        List<PromptMessage> prompts = decodeAll(records);
        if (prompts.isEmpty()) {
            return;
        }
        long minVersion = prompts.stream().mapToLong(PromptMessage::minPolicyVersion).max().orElse(0);
        PolicyFollower.LoadedPolicy policy = policies.policyForNextBatch(minVersion, properties.policyWaitTimeout());
        long start = System.nanoTime();
        List<RolloutGroup> groups = generator.generate(prompts, policy.model(), policy.version(),
                properties.seed() + batches.getAndIncrement());
        long tokens = groups.stream().flatMap(g -> g.completions().stream()).mapToLong(c -> c.tokenIds().length).sum();
        List<java.util.concurrent.CompletableFuture<?>> sends = new ArrayList<>(groups.size());
        for (RolloutGroup group : groups) {
            sends.add(publisher.send(Topics.ROLLOUTS, group.groupId(), group));
        }
        publisher.awaitAll(sends, groups.size() + " rollout groups");
        groupsPublished.addAndGet(groups.size());
        tokensGenerated.addAndGet(tokens);
        versionsUsed.add(policy.version());
        double seconds = (System.nanoTime() - start) / 1e9;
        generationNanos.addAndGet(System.nanoTime() - start);
        int sequences = prompts.stream().mapToInt(p -> p.sampling().groupSize()).sum();
        lastBatchFill = Math.min(1.0, (double) sequences / properties.maxBatchSequences());
        lastVersionLag = Math.max(0, policies.newestAvailable() - policy.version());
        log.info("Generated {} groups ({} tokens, {} tokens/s) with policy version {}", groups.size(), tokens,
                String.format("%.0f", tokens / Math.max(seconds, 1e-9)), policy.version());
    }

    private List<PromptMessage> decodeAll(List<ConsumerRecord<String, byte[]>> records) {
        List<PromptMessage> prompts = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                prompts.add(Topics.PROMPTS.decode(record.value()));
            } catch (InvalidMessageException e) {
                log.warn("Invalid prompt at {}: {}", RecordDescriptions.describe(record), e.getMessage());
                deadLetters.send(record, e);
            }
        }
        return prompts;
    }

    public long groupsPublished() {
        return groupsPublished.get();
    }

    public long tokensGenerated() {
        return tokensGenerated.get();
    }

    /** Seconds spent generating and publishing, since the start; the rest of the time the worker idled. */
    public double generationSeconds() {
        return generationNanos.get() / 1e9;
    }

    /** Sequences (prompts times G) of the latest poll over the most a generation batch holds, capped at 1. */
    public double lastBatchFill() {
        return lastBatchFill;
    }

    /** Versions between the newest loaded policy and the one the latest batch used. */
    public long lastVersionLag() {
        return lastVersionLag;
    }

    /** Policy versions this worker has generated with. */
    public java.util.Set<Long> versionsUsed() {
        return java.util.Set.copyOf(versionsUsed);
    }
}
