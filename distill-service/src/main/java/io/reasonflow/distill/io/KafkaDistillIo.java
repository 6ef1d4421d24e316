package io.reasonflow.distill.io;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.rollout.PolicyAssembler;
import io.reasonflow.rollout.WeightFetcher;
import io.reasonflow.service.DeadLetters;
import io.reasonflow.service.MessagePublisher;
import io.reasonflow.service.RecordDescriptions;
import io.reasonflow.trainer.policy.PolicyPublisher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;

/**
 * The distill service's side of Kafka. It reads a teacher's policy version (manifest and chunks, verified by the
 * rollout service's {@link PolicyAssembler}) and the teacher's scored groups already on the topic. It requests
 * teacher samples by publishing prompts and waiting for their scored groups, and publishes the student's policy
 * version and the evaluations.
 *
 * <p>Topics are read by consumers without a group, with partitions assigned and no offsets committed: each run
 * reads what it needs from the topic's start or end, so there is nothing to resume. A record of interest that
 * cannot be decoded goes to its dead-letter topic with the reason, and reading goes on. When another service read
 * it before, the dead-letter topic then contains it twice, once per service. Not thread-safe: one run calls it.
 */
@Component
public class KafkaDistillIo implements PolicyPublisher {
    private static final Logger log = LoggerFactory.getLogger(KafkaDistillIo.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    private static final List<String> DEAD_LETTER_TOPICS = List.of(Topics.PROMPTS.deadLetterTopic(),
            Topics.ROLLOUTS.deadLetterTopic(), Topics.SCORED.deadLetterTopic());

    /** A verified policy version: its manifest and weight file. */
    public record PolicyVersion(PolicyManifest manifest, byte[] weights) {
    }

    /**
     * Outcome of a request for teacher groups.
     *
     * @param published    prompts published
     * @param scored       scored groups received
     * @param deadLettered groups that went to a dead-letter topic instead
     * @param lastDeadLetterReason the reason recorded with the newest of them, or null
     */
    public record RequestOutcome(int published, int scored, int deadLettered, String lastDeadLetterReason) {
    }

    private final MessagePublisher publisher;
    private final DeadLetters deadLetters;
    private final ConsumerFactory<String, byte[]> consumers;

    public KafkaDistillIo(MessagePublisher publisher, DeadLetters deadLetters, ConsumerFactory<String, byte[]> consumers) {
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.consumers = consumers;
    }

    /**
     * Reads policy version {@code version} of {@code runId}, or its newest when {@code version} is -1, and verifies
     * the SHA-256 of every chunk and of the whole file (or of the file at the manifest's URI).
     *
     * @throws IllegalStateException when the run has no such version, or its weights fail verification
     */
    public PolicyVersion readPolicy(String runId, long version, Duration timeout) {
        TreeMap<Long, PolicyManifest> manifests = new TreeMap<>();
        readTopic(Topics.POLICY.name(), timeout, record -> {
            if (runId.equals(record.key())) {
                decode(record, Topics.POLICY::decode).ifPresent(manifest -> manifests.put(manifest.version(), manifest));
            }
        });
        if (manifests.isEmpty()) {
            throw new IllegalStateException("run " + runId + " has no policy version on " + Topics.POLICY.name()
                    + "; check the teacher's run id, and that this is the cluster it was trained on");
        }
        long wanted = version >= 0 ? version : manifests.lastKey();
        PolicyManifest manifest = manifests.get(wanted);
        if (manifest == null) {
            throw new IllegalStateException("run " + runId + " has no policy version " + wanted + " on "
                    + Topics.POLICY.name() + "; its versions are " + manifests.keySet());
        }
        PolicyAssembler assembler = new PolicyAssembler(runId);
        var assembled = manifest.chunkCount() > 0
                ? assembler.verify(manifest, readChunks(runId, wanted, timeout))
                : assembler.verifyFile(manifest, fetch(manifest));
        if (assembled.isEmpty()) {
            throw new IllegalStateException("policy version " + wanted + " of run " + runId + " failed verification: "
                    + "a chunk is missing or a SHA-256 or size differs from the manifest (the log names which); it "
                    + "cannot serve as the teacher");
        }
        log.info("Read policy version {} of run {}: {} bytes, SHA-256 verified", wanted, runId, manifest.sizeBytes());
        return new PolicyVersion(assembled.get().manifest(), assembled.get().weights());
    }

    private List<PolicyChunk> readChunks(String runId, long version, Duration timeout) {
        String prefix = runId + "/" + version + "/";
        List<PolicyChunk> chunks = new ArrayList<>();
        readTopic(Topics.POLICY_CHUNKS.name(), timeout, record -> {
            // The key names run and version, so the other versions' chunks are never decoded.
            if (record.key() != null && record.key().startsWith(prefix)) {
                decode(record, Topics.POLICY_CHUNKS::decode).ifPresent(chunks::add);
            }
        });
        return chunks;
    }

    private byte[] fetch(PolicyManifest manifest) {
        try {
            return new WeightFetcher(consumers).fetch(manifest);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read policy version " + manifest.version() + " of run "
                    + manifest.runId() + " from " + manifest.uri() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + manifest.uri(), e);
        }
    }

    /**
     * Reads every scored group on {@code reasonflow.scored} now, from the start of each partition to its end
     * offset at the call, and hands each one that decodes to {@code sink}.
     *
     * @return the number of groups handed over
     */
    public long readScored(Duration timeout, Consumer<ScoredGroup> sink) {
        long[] count = {0};
        readTopic(Topics.SCORED.name(), timeout, record -> decode(record, Topics.SCORED::decode).ifPresent(group -> {
            count[0]++;
            sink.accept(group);
        }));
        return count[0];
    }

    /**
     * Publishes {@code prompts} and hands their scored groups to {@code sink} as they arrive, until every group
     * was scored or went to a dead-letter topic. Reading starts at the end of the topics before anything is
     * published, so only this request's groups can match.
     *
     * @param timeout longest wait for the next group
     * @throws IllegalStateException when no group arrives within {@code timeout}
     */
    public RequestOutcome request(List<PromptMessage> prompts, Duration timeout, Consumer<ScoredGroup> sink) {
        Set<String> outstanding = new HashSet<>();
        prompts.forEach(prompt -> outstanding.add(prompt.groupId()));
        int scored = 0;
        int deadLettered = 0;
        String lastReason = null;
        try (var scoredReader = consumers.createConsumer(null, "distill-scored-", null, overrides());
                var deadLetterReader = consumers.createConsumer(null, "distill-dead-letters-", null, overrides())) {
            startAtEnd(scoredReader, List.of(Topics.SCORED.name()));
            startAtEnd(deadLetterReader, DEAD_LETTER_TOPICS);
            publishPrompts(prompts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!outstanding.isEmpty()) {
                boolean progress = false;
                for (ConsumerRecord<String, byte[]> record : scoredReader.poll(POLL)) {
                    if (record.key() == null || !outstanding.contains(record.key())) {
                        continue;
                    }
                    var group = decode(record, Topics.SCORED::decode);
                    if (group.isPresent() && outstanding.remove(group.get().groupId())) {
                        scored++;
                        progress = true;
                        sink.accept(group.get());
                    }
                }
                for (ConsumerRecord<String, byte[]> record : deadLetterReader.poll(Duration.ZERO)) {
                    if (record.key() != null && outstanding.remove(record.key())) {
                        deadLettered++;
                        progress = true;
                        Header reason = record.headers().lastHeader(DeadLetters.ERROR);
                        lastReason = reason == null ? lastReason : new String(reason.value(), StandardCharsets.UTF_8);
                    }
                }
                if (progress) {
                    deadline = System.nanoTime() + timeout.toNanos();
                } else if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(outstanding.size() + " of " + prompts.size() + " requested teacher "
                            + "groups did not arrive within " + timeout.toSeconds() + " s; check that a rollout "
                            + "service follows the teacher's run and that the reward service is running"
                            + (lastReason == null ? "" : "; the newest dead letter says: " + lastReason));
                }
            }
        }
        return new RequestOutcome(prompts.size(), scored, deadLettered, lastReason);
    }

    private void publishPrompts(List<PromptMessage> prompts) {
        List<CompletableFuture<?>> sends = new ArrayList<>(prompts.size());
        for (PromptMessage prompt : prompts) {
            sends.add(publisher.send(Topics.PROMPTS, prompt.groupId(), prompt));
        }
        publisher.awaitAll(sends, prompts.size() + " distill prompts");
    }

    @Override
    public void publishPolicy(PolicyManifest manifest, List<PolicyChunk> chunks) {
        List<CompletableFuture<?>> sends = new ArrayList<>(chunks.size());
        for (PolicyChunk chunk : chunks) {
            sends.add(publisher.send(Topics.POLICY_CHUNKS, chunk.key(), chunk));
        }
        publisher.awaitAll(sends, chunks.size() + " chunks of policy version " + manifest.version());
        publisher.sendAndWait(Topics.POLICY, manifest.runId(), manifest);
    }

    @Override
    public long highestPublishedVersion(String runId) {
        long[] highest = {-1};
        readTopic(Topics.POLICY.name(), METADATA_TIMEOUT, record -> {
            if (runId.equals(record.key())) {
                decode(record, Topics.POLICY::decode)
                        .ifPresent(manifest -> highest[0] = Math.max(highest[0], manifest.version()));
            }
        });
        return highest[0];
    }

    public void publishEval(EvalResult result) {
        publisher.sendAndWait(Topics.EVAL, result.runId(), result);
    }

    /**
     * Reads {@code topic} from the start of each partition to its end offset at the call.
     *
     * @throws IllegalStateException when no record arrives for {@code timeout} before the end is reached
     */
    private void readTopic(String topic, Duration timeout, Consumer<ConsumerRecord<String, byte[]>> handler) {
        try (var reader = consumers.createConsumer(null, "distill-read-", null, overrides())) {
            List<TopicPartition> partitions = partitions(reader, topic);
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = reader.endOffsets(partitions, METADATA_TIMEOUT);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reachedEnd(reader, ends)) {
                var records = reader.poll(POLL);
                if (!records.isEmpty()) {
                    deadline = System.nanoTime() + timeout.toNanos();
                } else if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end offsets " + ends
                            + " within " + timeout.toSeconds() + " s; check the cluster's health");
                }
                records.forEach(handler);
            }
        }
    }

    private static boolean reachedEnd(org.apache.kafka.clients.consumer.Consumer<String, byte[]> reader,
            Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (reader.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Assigns every partition of {@code topics} and resolves the end positions now, before anything is published. */
    private static void startAtEnd(org.apache.kafka.clients.consumer.Consumer<String, byte[]> reader,
            List<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            partitions.addAll(partitions(reader, topic));
        }
        reader.assign(partitions);
        reader.seekToEnd(partitions);
        partitions.forEach(reader::position);
    }

    private static List<TopicPartition> partitions(org.apache.kafka.clients.consumer.Consumer<String, byte[]> reader,
            String topic) {
        List<PartitionInfo> infos = reader.partitionsFor(topic, METADATA_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist; create the pipeline's topics first "
                    + "(the local pipeline creates them itself)");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    /** Decodes a record; one that fails goes to its dead-letter topic with the reason, and the result is empty. */
    private <T> java.util.Optional<T> decode(ConsumerRecord<String, byte[]> record,
            java.util.function.Function<byte[], T> decoder) {
        try {
            return java.util.Optional.of(decoder.apply(record.value()));
        } catch (InvalidMessageException e) {
            log.warn("Invalid record at {}: {}; sending it to the dead-letter topic", RecordDescriptions.describe(record),
                    e.getMessage());
            deadLetters.send(record, e);
            return java.util.Optional.empty();
        }
    }

    private static Properties overrides() {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return properties;
    }
}
