package io.reasonflow.trainer.io;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.service.BrokerRetry;
import io.reasonflow.service.DeadLetters;
import io.reasonflow.service.MessagePublisher;
import io.reasonflow.service.RecordDescriptions;
import io.reasonflow.trainer.TrainerProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * The trainer's side of Kafka: publishes prompts, policy versions and evaluations, reads the scored groups of
 * its own run, and watches the dead-letter topics of the stages a prompt passes through, so the ledger can
 * account for every group.
 *
 * <p>Scored groups are read by a plain consumer that the training thread owns and polls itself, with the
 * partitions assigned rather than subscribed: there is one trainer, so no rebalance can move them, and a long
 * training step cannot get the consumer expelled from its group. Auto-commit is off. Offsets are committed
 * only by {@link #commit}, once a checkpoint that stores them is durable, and they stop at the first
 * record of a group that is still needed, so a group read but not yet trained is read again after a crash.
 * The dead-letter topics are read by a consumer without a group whose position only checkpoints store. Not
 * thread-safe: one training thread calls it.
 */
@Component
public class KafkaTrainerIo implements TrainerIo, DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(KafkaTrainerIo.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> DEAD_LETTER_TOPICS = List.of(Topics.PROMPTS.deadLetterTopic(),
            Topics.ROLLOUTS.deadLetterTopic(), Topics.SCORED.deadLetterTopic());

    /** A scored record handed to (or queued for) the training loop, by source position. */
    private record Delivered(String groupId, int partition, long offset) {
    }

    private final MessagePublisher publisher;
    private final DeadLetters deadLetters;
    private String lastDeadLetterReason;
    private final ConsumerFactory<String, byte[]> consumers;
    private final KafkaAdmin admin;
    private final String runId;
    private final Map<Purpose, Queue<ScoredGroup>> inbox = new EnumMap<>(Purpose.class);
    private final List<Delivered> delivered = new ArrayList<>();
    private Consumer<String, byte[]> scored;
    private Consumer<String, byte[]> deadLetterReader;
    private InputPosition source;
    /** Offsets below which a scored record read again after a resume was handled before the checkpoint. */
    private Map<Integer, Long> handledBefore = Map.of();
    private long otherRuns;
    private final int maxRecordBytes;
    private final Counter unreadable;
    /** Time for which sends that time out are tried again, the trainer's {@code group-timeout}. */
    /** Sends again while the broker restarts; a prompt sent twice is generated twice and counted once. */
    private final BrokerRetry brokerRetry;

    public KafkaTrainerIo(MessagePublisher publisher, DeadLetters deadLetters, ConsumerFactory<String, byte[]> consumers,
            KafkaAdmin admin, TrainerProperties properties, MeterRegistry meterRegistry) {
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.consumers = consumers;
        this.admin = admin;
        this.runId = properties.runId();
        this.maxRecordBytes = properties.maxRecordBytes();
        this.brokerRetry = new BrokerRetry(properties.groupTimeout(), "reasonflow.trainer.group-timeout");
        this.unreadable = Counter.builder("reasonflow.trainer.scored.dead.lettered")
                .description("Records of " + Topics.SCORED.name() + " that the trainer could not read and sent to "
                        + Topics.SCORED.deadLetterTopic())
                .register(meterRegistry);
        for (Purpose purpose : Purpose.values()) {
            inbox.put(purpose, new ArrayDeque<>());
        }
    }

    @Override
    public boolean startReading(InputPosition resumeFrom) {
        if (scored != null) {
            throw new IllegalStateException("the trainer's input is already started");
        }
        source = currentSource();
        scored = consumers.createConsumer("reasonflow-trainer-" + runId, "trainer-scored-", null,
                overrides(false));
        List<TopicPartition> partitions = partitions(scored, Topics.SCORED.name());
        scored.assign(partitions);
        boolean resume = resumeFrom != null && resumeFrom.sameSource(source);
        handledBefore = resume ? resumeFrom.scoredRead() : Map.of();
        for (TopicPartition partition : partitions) {
            Long offset = resume ? resumeFrom.scored().get(partition.partition()) : null;
            if (offset != null) {
                scored.seek(partition, offset);
            } else if (resume) {
                scored.seekToBeginning(List.of(partition)); // a partition added after the checkpoint
            } else {
                scored.seekToEnd(List.of(partition));
            }
        }
        Map<Integer, Long> positions = new HashMap<>();
        for (TopicPartition partition : partitions) {
            positions.put(partition.partition(), scored.position(partition)); // resolved now, before any prompt
        }
        log.info("Reading {} of cluster {} from offsets {} ({})", Topics.SCORED.name(), source.clusterId(), positions,
                resume ? "stored in the checkpoint" : resumeFrom == null ? "end of topic, a new run"
                        : "end of topic: the checkpoint was taken on cluster " + resumeFrom.clusterId() + ", topic "
                                + resumeFrom.scoredTopicId());
        startDeadLetters(resume ? resumeFrom.deadLetters() : null);
        return resume;
    }

    @Override
    public ScoredGroup pollScored(Purpose purpose, Duration timeout) {
        requireStarted();
        if (inbox.get(purpose).isEmpty()) {
            for (ConsumerRecord<String, byte[]> record : scored.poll(timeout)) {
                receive(record);
            }
        }
        return inbox.get(purpose).poll();
    }

    private void receive(ConsumerRecord<String, byte[]> record) {
        boolean handled = record.offset() < handledBefore.getOrDefault(record.partition(), 0L);
        int size = record.value() == null ? 0 : record.value().length;
        if (size > maxRecordBytes) {
            if (!handled) {
                unreadable.increment();
                deadLetters.sendWithoutValue(record, "record value is " + size + " bytes, above the limit of "
                        + maxRecordBytes + " bytes set by reasonflow.trainer.max-record-bytes");
            }
            return;
        }
        ScoredGroup group;
        try {
            group = Topics.SCORED.decode(record.value());
        } catch (InvalidMessageException e) {
            if (handled) {
                log.debug("Skipping {}: it cannot be decoded and went to the dead-letter topic before the checkpoint",
                        RecordDescriptions.describe(record));
                return;
            }
            log.warn("Invalid scored group at {}: {}; sending it to the dead-letter topic",
                    RecordDescriptions.describe(record), e.getMessage());
            unreadable.increment();
            deadLetters.send(record, e);
            return;
        }
        if (!runId.equals(group.group().prompt().runId())) {
            if (++otherRuns == 1 || otherRuns % 1000 == 0) {
                log.info("Skipping scored group of run {} at {} ({} skipped so far); this trainer runs {}",
                        group.group().prompt().runId(), RecordDescriptions.describe(record), otherRuns, runId);
            }
            return;
        }
        delivered.add(new Delivered(group.groupId(), record.partition(), record.offset()));
        inbox.get(group.group().prompt().purpose()).add(group);
    }

    @Override
    public InputPosition position(Set<String> neededGroupIds) {
        requireStarted();
        Map<Integer, Long> read = new HashMap<>();
        for (TopicPartition partition : scored.assignment()) {
            read.put(partition.partition(), scored.position(partition));
        }
        Map<Integer, Long> offsets = new HashMap<>(read);
        for (Delivered record : delivered) {
            if (neededGroupIds.contains(record.groupId())) {
                offsets.merge(record.partition(), record.offset(), Math::min);
            }
        }
        delivered.removeIf(record -> !neededGroupIds.contains(record.groupId()));
        Map<String, Long> deadLetterOffsets = new HashMap<>();
        for (TopicPartition partition : deadLetterReader.assignment()) {
            deadLetterOffsets.put(partition.toString(), deadLetterReader.position(partition));
        }
        return new InputPosition(source.clusterId(), source.scoredTopicId(), offsets, read, deadLetterOffsets);
    }

    @Override
    public void commit(InputPosition position, String checkpoint) {
        requireStarted();
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        position.scored().forEach((partition, offset) -> commit.put(
                new TopicPartition(Topics.SCORED.name(), partition), new OffsetAndMetadata(offset, checkpoint)));
        try {
            scored.commitSync(commit, ADMIN_TIMEOUT);
        } catch (KafkaException e) {
            log.warn("Could not commit the offsets {} of {} for {}: {}. The checkpoint contains them, so a resume "
                    + "still starts there", position.scored(), Topics.SCORED.name(), checkpoint, e.getMessage());
        }
    }

    @Override
    public String lastDeadLetterReason() {
        return lastDeadLetterReason;
    }

    @Override
    public List<String> drainDeadLettered() {
        List<String> keys = new ArrayList<>();
        if (deadLetterReader != null) {
            for (ConsumerRecord<String, byte[]> record : deadLetterReader.poll(Duration.ZERO)) {
                if (record.key() != null) {
                    keys.add(record.key());
                }
                org.apache.kafka.common.header.Header reason = record.headers().lastHeader(DeadLetters.ERROR);
                if (reason != null && reason.value() != null) {
                    lastDeadLetterReason = new String(reason.value(), java.nio.charset.StandardCharsets.UTF_8);
                }
            }
        }
        return keys;
    }

    @Override
    public long highestPublishedVersion(String forRun) {
        long highest = -1;
        try (Consumer<String, byte[]> reader = consumers.createConsumer(null, "trainer-policy-scan-", null,
                overrides(true))) {
            List<TopicPartition> partitions = partitions(reader, Topics.POLICY.name());
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions, ADMIN_TIMEOUT);
            long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
            while (!reachedEnd(reader, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + Topics.POLICY.name() + " to its end offsets "
                            + ends + " within " + ADMIN_TIMEOUT);
                }
                for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(200))) {
                    if (!forRun.equals(record.key())) {
                        continue;
                    }
                    try {
                        highest = Math.max(highest, Topics.POLICY.decode(record.value()).version());
                    } catch (InvalidMessageException e) {
                        log.warn("Skipping unreadable policy manifest at {}: {}", RecordDescriptions.describe(record),
                                e.getMessage());
                    }
                }
            }
        }
        return highest;
    }

    private static boolean reachedEnd(Consumer<String, byte[]> reader, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (reader.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Positions the dead-letter reader: at the stored offsets on a resume (a partition without one is read from
     * its beginning), else at the end, since records from before this run cannot be about its groups.
     */
    private void startDeadLetters(Map<String, Long> resumeFrom) {
        deadLetterReader = consumers.createConsumer(null, "trainer-dead-letters-", null, overrides(true));
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : DEAD_LETTER_TOPICS) {
            partitions.addAll(partitions(deadLetterReader, topic));
        }
        deadLetterReader.assign(partitions);
        for (TopicPartition partition : partitions) {
            Long offset = resumeFrom == null ? null : resumeFrom.get(partition.toString());
            if (offset != null) {
                deadLetterReader.seek(partition, offset);
            } else if (resumeFrom != null) {
                deadLetterReader.seekToBeginning(List.of(partition));
            } else {
                deadLetterReader.seekToEnd(List.of(partition));
            }
            deadLetterReader.position(partition);
        }
    }

    private InputPosition currentSource() {
        try (Admin client = Admin.create(admin.getConfigurationProperties())) {
            String clusterId = client.describeCluster().clusterId().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            String topicId = client.describeTopics(List.of(Topics.SCORED.name())).allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(Topics.SCORED.name()).topicId().toString();
            return new InputPosition(clusterId, topicId, Map.of(), Map.of(), Map.of());
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the cluster and topic " + Topics.SCORED.name() + " at "
                    + admin.getConfigurationProperties().get("bootstrap.servers") + ": " + e.getMessage()
                    + "; check that the broker is reachable and the topics exist", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing the cluster", e);
        }
    }

    private static List<TopicPartition> partitions(Consumer<String, byte[]> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, ADMIN_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist; create the pipeline's topics first "
                    + "(the local pipeline creates them itself)");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    private static Properties overrides(boolean withoutGroup) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (withoutGroup) {
            properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        }
        return properties;
    }

    private void requireStarted() {
        if (scored == null) {
            throw new IllegalStateException("the trainer's input is not started; call startReading first");
        }
    }

    @Override
    public void publishPrompts(List<PromptMessage> prompts) {
        brokerRetry.run(prompts.size() + " prompts", () -> {
            List<CompletableFuture<?>> sends = new ArrayList<>(prompts.size());
            for (PromptMessage prompt : prompts) {
                sends.add(publisher.send(Topics.PROMPTS, prompt.groupId(), prompt));
            }
            publisher.awaitAll(sends, prompts.size() + " prompts");
        });
    }

    @Override
    public void publishPolicy(PolicyManifest manifest, List<PolicyChunk> chunks) {
        brokerRetry.run("policy version " + manifest.version(), () -> {
            List<CompletableFuture<?>> sends = new ArrayList<>(chunks.size());
            for (PolicyChunk chunk : chunks) {
                sends.add(publisher.send(Topics.POLICY_CHUNKS, chunk.key(), chunk));
            }
            publisher.awaitAll(sends, chunks.size() + " chunks of policy version " + manifest.version());
            publisher.sendAndWait(Topics.POLICY, manifest.runId(), manifest);
        });
    }

    @Override
    public void publishEval(EvalResult result) {
        brokerRetry.run("evaluation " + result.stage(),
                () -> publisher.sendAndWait(Topics.EVAL, result.runId(), result));
    }


    /** Closes the consumers; the run has ended (or the service stops), so nothing is committed here. */
    @Override
    public void destroy() {
        close(scored);
        close(deadLetterReader);
        scored = null;
        deadLetterReader = null;
    }

    private static void close(Consumer<String, byte[]> consumer) {
        if (consumer == null) {
            return;
        }
        try {
            consumer.close();
        } catch (RuntimeException e) {
            log.warn("Could not close a trainer consumer: {}", e.getMessage());
        }
    }
}
