package io.reasonflow.rollout;

import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.Topics;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.transformer.PolicyModel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.stereotype.Component;

/**
 * Follows the trainer's policy versions: reads manifests and chunks (each worker in its own consumer
 * group, so every worker sees every version), or fetches the weights from the manifest's URI on a shared
 * store, loads a verified version into a model, and keeps it pending until the generation thread swaps
 * it in between batches. Weights that fail verification are fetched again, up to
 * {@code weight-fetch-attempts} times with a doubling wait, then refused: the version in use stays. The
 * two listener threads share the assembler under its monitor.
 */
@Component
public class PolicyFollower implements AutoCloseable, ConsumerSeekAware {
    private static final Logger log = LoggerFactory.getLogger(PolicyFollower.class);

    /** A loaded policy and its version. */
    public record LoadedPolicy(long version, PolicyModel model) {
    }

    private final RolloutProperties properties;
    private final PolicyAssembler assembler;
    private final WeightFetcher fetcher;
    /** Per version, the earliest offset of its chunks seen in each partition; guarded by the assembler's monitor. */
    private final Map<Long, Map<TopicPartition, Long>> chunkPositions = new HashMap<>();
    private final Object lock = new Object();
    private LoadedPolicy pending;
    private LoadedPolicy current;
    private long versionsLoaded;
    private final java.util.concurrent.atomic.AtomicLong weightSyncNanos = new java.util.concurrent.atomic.AtomicLong();
    private long newestAvailable = -1;

    /**
     * Reads both policy topics from the beginning whenever their partitions are assigned. Offsets committed by an
     * earlier process with the same worker id would otherwise skip the versions it had loaded, and a restarted
     * worker would wait for a version newer than the one in use.
     */
    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        callback.seekToBeginning(assignments.keySet());
    }

    public PolicyFollower(RolloutProperties properties, ConsumerFactory<String, byte[]> consumerFactory) {
        this.properties = properties;
        this.assembler = new PolicyAssembler(properties.runId());
        this.fetcher = new WeightFetcher(consumerFactory);
    }

    @KafkaListener(id = "rollout-policy", topics = "reasonflow.policy",
            groupId = "reasonflow-rollout-policy-${reasonflow.rollout.worker-id:${random.uuid}}")
    public void onManifest(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        var manifest = Topics.POLICY.decode(record.value());
        synchronized (assembler) {
            if (manifest.chunkCount() == 0) {
                fetchFromStore(manifest);
                return;
            }
            install(assembler.offerManifest(manifest));
            retryFailed();
        }
    }

    @KafkaListener(id = "rollout-policy-chunks", topics = "reasonflow.policy.chunks",
            groupId = "reasonflow-rollout-policy-${reasonflow.rollout.worker-id:${random.uuid}}")
    public void onChunk(ConsumerRecord<String, byte[]> record) throws InterruptedException {
        var chunk = Topics.POLICY_CHUNKS.decode(record.value());
        synchronized (assembler) {
            chunkPositions.computeIfAbsent(chunk.version(), v -> new HashMap<>())
                    .merge(new TopicPartition(record.topic(), record.partition()), record.offset(), Math::min);
            install(assembler.offerChunk(chunk));
            retryFailed();
        }
    }

    /** Reads the chunks of a version that failed verification again, with backoff, then refuses it. */
    private void retryFailed() throws InterruptedException {
        Optional<Long> failed = assembler.takeFailure();
        if (failed.isEmpty()) {
            return;
        }
        long version = failed.get();
        PolicyManifest manifest = assembler.manifest(version).orElseThrow();
        for (int attempt = 2; attempt <= properties.weightFetchAttempts(); attempt++) {
            Thread.sleep(backoff(attempt).toMillis());
            log.warn("Fetching the chunks of policy version {} again (attempt {} of {})", version, attempt,
                    properties.weightFetchAttempts());
            var fetched = fetcher.rereadChunks(manifest.runId(), version,
                    chunkPositions.getOrDefault(version, Map.of()));
            Optional<PolicyAssembler.AssembledPolicy> verified = assembler.verify(manifest, fetched);
            if (verified.isPresent()) {
                install(verified);
                return;
            }
        }
        refuse(manifest);
    }

    /** Fetches the weights of a version stored at a URI, verifies them, and retries with backoff. */
    private void fetchFromStore(PolicyManifest manifest) throws InterruptedException {
        if (!assembler.wanted(manifest)) {
            return;
        }
        for (int attempt = 1; attempt <= properties.weightFetchAttempts(); attempt++) {
            if (attempt > 1) {
                Thread.sleep(backoff(attempt).toMillis());
            }
            long start = System.nanoTime();
            try {
                byte[] weights = fetcher.fetch(manifest);
                Optional<PolicyAssembler.AssembledPolicy> verified = assembler.verifyFile(manifest, weights);
                if (verified.isPresent()) {
                    weightSyncNanos.addAndGet(System.nanoTime() - start);
                    install(verified);
                    return;
                }
            } catch (java.io.IOException e) {
                log.warn("Fetching policy version {} from {} failed (attempt {} of {}): {}", manifest.version(),
                        manifest.uri(), attempt, properties.weightFetchAttempts(), e.getMessage());
            }
        }
        refuse(manifest);
    }

    private Duration backoff(int attempt) {
        return properties.weightFetchBackoff().multipliedBy(1L << Math.min(20, attempt - 2));
    }

    private void refuse(PolicyManifest manifest) {
        assembler.refuse(manifest.version());
        chunkPositions.remove(manifest.version());
        log.error("Refused policy version {} of run {}: its weights failed verification {} times; version {} stays "
                + "in use", manifest.version(), manifest.runId(), properties.weightFetchAttempts(), newestAvailable());
    }

    private void install(Optional<PolicyAssembler.AssembledPolicy> assembled) {
        if (assembled.isEmpty()) {
            return;
        }
        var manifest = assembled.get().manifest();
        chunkPositions.keySet().removeIf(v -> v <= manifest.version());
        long start = System.nanoTime();
        PolicyModel model = PolicyModel.fromSafetensors(ModelConfig.fromJson(manifest.modelConfig()),
                assembled.get().weights());
        synchronized (lock) {
            if (pending != null) {
                pending.model().close();
            }
            pending = new LoadedPolicy(manifest.version(), model);
            newestAvailable = manifest.version();
            versionsLoaded++;
            lock.notifyAll();
        }
        weightSyncNanos.addAndGet(System.nanoTime() - start);
        log.info("Loaded policy version {} of run {} ({} bytes, SHA-256 verified) in {} ms", manifest.version(),
                manifest.runId(), manifest.sizeBytes(), (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Returns the policy to generate the next batch with: swaps in the newest loaded version, waiting
     * until one of at least {@code minVersion} is loaded. Called only from the generation thread.
     */
    public LoadedPolicy policyForNextBatch(long minVersion, Duration timeout) throws TimeoutException,
            InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (newestAvailable < minVersion) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("policy version " + minVersion + " was not published within "
                            + timeout + "; the newest loaded version is " + newestAvailable);
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            if (pending != null) {
                if (current != null) {
                    current.model().close();
                }
                current = pending;
                pending = null;
            }
            return current;
        }
    }

    /** Seconds spent loading verified policy versions into models. */
    public double weightSyncSeconds() {
        return weightSyncNanos.get() / 1e9;
    }

    /** The newest policy version loaded, or -1 before the first. */
    public long newestAvailable() {
        synchronized (lock) {
            return newestAvailable;
        }
    }

    public long versionsLoaded() {
        synchronized (lock) {
            return versionsLoaded;
        }
    }

    public long rejectedVersions() {
        synchronized (assembler) {
            return assembler.rejectedVersions();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (pending != null) {
                pending.model().close();
            }
            if (current != null) {
                current.model().close();
            }
        }
    }
}
