package io.reasonflow.rollout;

import io.reasonflow.contracts.Topics;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.transformer.PolicyModel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Follows the trainer's policy versions: reads manifests and chunks (each worker in its own consumer
 * group, so every worker sees every version), loads a verified version into a model, and keeps it
 * pending until the generation thread swaps it in between batches. The two listener threads share the
 * assembler under its monitor.
 */
@Component
public class PolicyFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PolicyFollower.class);

    /** A loaded policy and its version. */
    public record LoadedPolicy(long version, PolicyModel model) {
    }

    private final PolicyAssembler assembler;
    private final Object lock = new Object();
    private LoadedPolicy pending;
    private LoadedPolicy current;
    private long versionsLoaded;
    private final java.util.concurrent.atomic.AtomicLong weightSyncNanos = new java.util.concurrent.atomic.AtomicLong();
    private long newestAvailable = -1;

    public PolicyFollower(RolloutProperties properties) {
        this.assembler = new PolicyAssembler(properties.runId());
    }

    @KafkaListener(id = "rollout-policy", topics = "reasonflow.policy",
            groupId = "reasonflow-rollout-policy-${reasonflow.rollout.worker-id:${random.uuid}}")
    public void onManifest(ConsumerRecord<String, byte[]> record) {
        var manifest = Topics.POLICY.decode(record.value());
        synchronized (assembler) {
            install(assembler.offerManifest(manifest));
        }
    }

    @KafkaListener(id = "rollout-policy-chunks", topics = "reasonflow.policy.chunks",
            groupId = "reasonflow-rollout-policy-${reasonflow.rollout.worker-id:${random.uuid}}")
    public void onChunk(ConsumerRecord<String, byte[]> record) {
        var chunk = Topics.POLICY_CHUNKS.decode(record.value());
        synchronized (assembler) {
            install(assembler.offerChunk(chunk));
        }
    }

    private void install(Optional<PolicyAssembler.AssembledPolicy> assembled) {
        if (assembled.isEmpty()) {
            return;
        }
        var manifest = assembled.get().manifest();
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
