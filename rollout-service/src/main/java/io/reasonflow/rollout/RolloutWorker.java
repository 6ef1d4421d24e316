package io.reasonflow.rollout;

import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.rollout.intake.OffsetLedger;
import io.reasonflow.rollout.intake.PromptQueue;
import io.reasonflow.rollout.intake.QueuedPrompt;
import io.reasonflow.service.BrokerRetry;
import io.reasonflow.service.DeadLetters;
import io.reasonflow.service.MessagePublisher;
import io.reasonflow.service.RecordDescriptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;

/**
 * Reads prompts and turns them into published rollout groups, on two threads:
 *
 * <ul>
 *   <li>the poll thread owns the Kafka consumer: it polls every {@code poll-timeout}, however long a
 *       generation takes, so the group never drops this instance; decodes prompts (the undecodable go to
 *       {@code reasonflow.prompts.dlq}); queues them; pauses its partitions while the queue holds
 *       {@code queue-sequences} or more and resumes them below half of that; and commits, per partition,
 *       the offset of the first prompt not yet published;</li>
 *   <li>the generation thread takes batches from the queue (up to {@code max-batch-sequences} rows and
 *       {@code max-batch-tokens} padded tokens, prompts from several polls together), swaps in the newest
 *       policy version between batches, samples, and publishes one record per group once all its
 *       completions are done.</li>
 * </ul>
 *
 * <p>When partitions move to another instance, their queued prompts are dropped unpublished and the
 * batch in flight is finished and committed before the partitions are released, so no group is
 * published twice. At shutdown the batch in flight is finished and committed; queued prompts stay
 * uncommitted for the next owner.
 */
@Component
public class RolloutWorker implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RolloutWorker.class);

    private final PolicyFollower policies;
    private final GroupGenerator generator;
    private final MessagePublisher publisher;
    private final DeadLetters deadLetters;
    private final RolloutProperties properties;
    private final ConsumerFactory<String, byte[]> consumerFactory;
    private final Tokenizer tokenizer;
    private final PromptQueue queue;
    private final OffsetLedger offsets = new OffsetLedger();
    private final BrokerRetry brokerRetry;

    private final Object inFlightLock = new Object();
    /** The batch being generated and published; guarded by {@code inFlightLock}. */
    private List<QueuedPrompt> inFlight = List.of();

    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong groupsPublished = new AtomicLong();
    private final AtomicLong tokensGenerated = new AtomicLong();
    private final AtomicLong generationNanos = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong partitionsReleased = new AtomicLong();
    private final AtomicLong commitFailures = new AtomicLong();
    private final Set<Long> versionsUsed = ConcurrentHashMap.newKeySet();
    private volatile double lastBatchFill;
    private volatile long lastVersionLag;
    private volatile boolean paused;

    private volatile boolean running;
    private volatile boolean stopping;
    /** Why the prompt consumer stopped on its own, or null while it runs. */
    private volatile String failure;
    private Thread pollThread;
    private Thread generationThread;
    private volatile Consumer<String, byte[]> consumer;

    public RolloutWorker(PolicyFollower policies, MessagePublisher publisher, DeadLetters deadLetters,
            RolloutProperties properties, ConsumerFactory<String, byte[]> consumerFactory) {
        this.policies = policies;
        this.publisher = publisher;
        this.deadLetters = deadLetters;
        this.properties = properties;
        this.consumerFactory = consumerFactory;
        this.tokenizer = properties.tokenizer() == null ? new ByteTokenizer()
                : io.reasonflow.model.tokenizer.HfTokenizer.load(properties.tokenizer());
        this.generator = new GroupGenerator(tokenizer, properties.maxBatchSequences(), properties.workerId());
        this.queue = new PromptQueue(properties.maxBatchSequences(), properties.maxBatchTokens());
        this.brokerRetry = new BrokerRetry(properties.brokerWait(), "reasonflow.rollout.broker-wait");
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        stopping = false;
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = consumerFactory.createConsumer(properties.groupId(), properties.workerId() + "-prompts", null, overrides);
        pollThread = new Thread(this::pollLoop, properties.workerId() + "-poll");
        generationThread = new Thread(this::generationLoop, properties.workerId() + "-generate");
        running = true;
        pollThread.start();
        generationThread.start();
    }

    /**
     * Finishes the batch in flight, commits what was published and leaves the group; queued prompts stay
     * uncommitted. Waits up to {@code shutdown-timeout}.
     */
    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        stopping = true;
        queue.wakeUp();
        long deadline = System.nanoTime() + properties.shutdownTimeout().toNanos();
        join(generationThread, deadline);
        if (generationThread.isAlive()) {
            log.warn("The batch in flight did not finish within {}; its prompts stay uncommitted and another "
                    + "instance generates them again", properties.shutdownTimeout());
            generationThread.interrupt();
        }
        join(pollThread, deadline + Duration.ofSeconds(10).toNanos());
        running = false;
    }

    private static void join(Thread thread, long deadlineNanos) {
        long left = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
        try {
            thread.join(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the Kafka listener containers (policy updates), so the batch in flight can still publish. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 50;
    }

    private void pollLoop() {
        try (Consumer<String, byte[]> c = consumer) {
            c.subscribe(List.of(Topics.PROMPTS.name()), new Rebalance());
            while (!stopping || generationThread.isAlive()) {
                var records = c.poll(properties.pollTimeout());
                for (ConsumerRecord<String, byte[]> record : records) {
                    accept(record);
                }
                applyBackPressure(c);
                commit(c);
                if (stopping) {
                    // Keep polling (nothing new is queued) until the generation thread has published its batch.
                    queue.removePartitions(c.assignment());
                }
            }
            commit(c);
            log.info("Prompt consumer of {} closed; {} prompts left uncommitted for the next owner", properties.workerId(),
                    offsets.outstanding());
        } catch (WakeupException e) {
            log.debug("Prompt consumer woken up to close");
        } catch (RuntimeException e) {
            log.error("The prompt consumer of {} failed, so this instance stops generating: {}", properties.workerId(),
                    e.getMessage(), e);
            failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            stopping = true;
            queue.wakeUp();
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        offsets.read(partition, record.offset());
        if (stopping) {
            return;
        }
        if (record.value() != null && record.value().length > properties.maxRecordBytes()) {
            deadLetters.sendWithoutValue(record, "prompt record of " + record.value().length + " bytes is over "
                    + "reasonflow.rollout.max-record-bytes (" + properties.maxRecordBytes() + ")");
            offsets.done(partition, record.offset());
            return;
        }
        PromptMessage prompt;
        try {
            prompt = Topics.PROMPTS.decode(record.value());
        } catch (InvalidMessageException e) {
            log.warn("Invalid prompt at {}: {}", RecordDescriptions.describe(record), e.getMessage());
            deadLetters.send(record, e);
            offsets.done(partition, record.offset());
            return;
        }
        int promptTokens = PromptTokens.encode(tokenizer, prompt.text()).length;
        String tooLarge = overBudget(prompt, promptTokens);
        if (tooLarge != null) {
            log.warn("Prompt {} at {} is too large to generate: {}", prompt.groupId(),
                    RecordDescriptions.describe(record), tooLarge);
            deadLetters.send(record, new IllegalArgumentException(tooLarge));
            offsets.done(partition, record.offset());
            return;
        }
        queue.add(new QueuedPrompt(record, prompt, promptTokens));
    }

    /** Describes why a prompt's group alone exceeds a generation batch, or returns null when it fits. */
    private String overBudget(PromptMessage prompt, int promptTokens) {
        int rows = prompt.sampling().groupSize();
        long tokens = (long) rows * (promptTokens + prompt.sampling().maxNewTokens());
        if (rows > properties.maxBatchSequences()) {
            return "group_size " + rows + " is over reasonflow.rollout.max-batch-sequences ("
                    + properties.maxBatchSequences() + "); lower group_size or raise the setting";
        }
        if (tokens > properties.maxBatchTokens()) {
            return rows + " rows of " + promptTokens + " prompt tokens plus max_new_tokens "
                    + prompt.sampling().maxNewTokens() + " make " + tokens + " tokens, over "
                    + "reasonflow.rollout.max-batch-tokens (" + properties.maxBatchTokens() + ")";
        }
        return null;
    }

    private void applyBackPressure(Consumer<String, byte[]> c) {
        int queued = queue.queuedSequences();
        if (!paused && queued >= properties.queueSequences()) {
            c.pause(c.assignment());
            paused = true;
            pauses.incrementAndGet();
            log.debug("Paused prompt partitions: {} sequences queued", queued);
        } else if (paused && queued < properties.queueSequences() / 2.0) {
            c.resume(c.paused());
            paused = false;
            log.debug("Resumed prompt partitions: {} sequences queued", queued);
        }
    }

    /**
     * Commits the positions that moved. A commit that the group rejects (after a rebalance, or after a broker restart
     * that forgot this member) or that times out is logged and tried again after the next poll, which rejoins the
     * group. A prompt whose commit is lost is generated again by its next owner, and the trainer counts it once.
     */
    private void commit(Consumer<String, byte[]> c) {
        Map<TopicPartition, OffsetAndMetadata> commits = offsets.toCommit();
        commits.keySet().retainAll(c.assignment());
        if (commits.isEmpty()) {
            return;
        }
        try {
            c.commitSync(commits);
            offsets.committed(commits);
        } catch (CommitFailedException | RebalanceInProgressException | RetriableException e) {
            commitFailures.incrementAndGet();
            log.warn("Committing prompt offsets {} failed ({}); the consumer rejoins its group on the next poll and "
                    + "tries again", commits.keySet(), e.getMessage());
        }
    }

    /** Runs on the poll thread during {@code poll}, so the consumer may be used here. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (revoked.isEmpty()) {
                return;
            }
            int dropped = queue.removePartitions(revoked).size();
            awaitInFlight(revoked);
            commit(consumer);
            offsets.forget(revoked);
            partitionsReleased.addAndGet(revoked.size());
            log.info("Released prompt partitions {}: {} queued prompts left to the next owner", revoked, dropped);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            queue.removePartitions(lost);
            offsets.forget(lost);
            log.warn("Lost prompt partitions {} without a commit; their unfinished prompts are generated again "
                    + "by the next owner", lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (paused && !assigned.isEmpty()) {
                consumer.pause(assigned);
            }
            if (!assigned.isEmpty()) {
                log.info("Assigned prompt partitions {}", assigned);
            }
        }
    }

    /** Waits until the batch in flight holds no prompt of these partitions (up to the shutdown timeout). */
    private void awaitInFlight(Collection<TopicPartition> partitions) {
        long deadline = System.nanoTime() + properties.shutdownTimeout().toNanos();
        synchronized (inFlightLock) {
            while (inFlight.stream().anyMatch(p -> partitions.contains(p.partition()))) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    log.warn("The batch in flight did not finish within {}; its prompts of {} may be generated "
                            + "again by the next owner", properties.shutdownTimeout(), partitions);
                    return;
                }
                try {
                    inFlightLock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void generationLoop() {
        while (!stopping) {
            List<QueuedPrompt> batch;
            try {
                batch = takeBatch();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (batch.isEmpty()) {
                continue;
            }
            try {
                generateIsolatingFailures(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // The broker was unreachable for longer than broker-wait, or a dead letter could not be sent. The
                // batch's prompts stay uncommitted, and the health check reports the failure so that the instance
                // is restarted.
                log.error("Generation in {} stopped: {}. Its uncommitted prompts are read again by the next owner",
                        properties.workerId(), e.getMessage(), e);
                failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                stopping = true;
                queue.wakeUp();
                return;
            } finally {
                synchronized (inFlightLock) {
                    inFlight = List.of();
                    inFlightLock.notifyAll();
                }
            }
        }
    }

    private List<QueuedPrompt> takeBatch() throws InterruptedException {
        // Marked in flight under the queue's monitor, so a revocation sees each prompt queued or in flight.
        return queue.takeBatch(properties.pollTimeout().toMillis(), properties.batchLinger().toMillis(),
                () -> stopping, batch -> {
                    synchronized (inFlightLock) {
                        inFlight = batch;
                    }
                });
    }

    /**
     * Generates a batch; when that fails, generates its prompts one at a time, so that a prompt the model
     * cannot take goes to the dead-letter topic alone.
     */
    private void generateIsolatingFailures(List<QueuedPrompt> batch) throws InterruptedException {
        try {
            generate(batch);
        } catch (BrokerUnreachableException e) {
            throw e;
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                log.error("Generation of prompt {} failed: {}", batch.get(0).prompt().groupId(), e.getMessage(), e);
                deadLetter(batch, e);
                return;
            }
            log.warn("Generation of a batch of {} prompts failed ({}); generating them one at a time", batch.size(),
                    e.getMessage());
            for (QueuedPrompt prompt : batch) {
                generateIsolatingFailures(List.of(prompt));
            }
        }
    }

    private void generate(List<QueuedPrompt> queued) throws InterruptedException {
        long minVersion = queued.stream().mapToLong(p -> p.prompt().minPolicyVersion()).max().orElse(0);
        PolicyFollower.LoadedPolicy policy;
        try {
            policy = policies.policyForNextBatch(minVersion, properties.policyWaitTimeout());
        } catch (TimeoutException e) {
            deadLetter(queued, e);
            return;
        }
        int maxPositions = policy.model().config().maxPositionEmbeddings();
        List<QueuedPrompt> batch = new ArrayList<>(queued.size());
        for (QueuedPrompt prompt : queued) {
            int positions = prompt.promptTokens() + prompt.prompt().sampling().maxNewTokens();
            if (positions > maxPositions) {
                deadLetter(List.of(prompt), new IllegalArgumentException("prompt " + prompt.prompt().groupId()
                        + " needs " + positions + " positions (" + prompt.promptTokens() + " prompt tokens plus "
                        + "max_new_tokens " + prompt.prompt().sampling().maxNewTokens() + "), which exceeds "
                        + "max_position_embeddings " + maxPositions + " of policy version " + policy.version()
                        + "; shorten the prompt or lower max_new_tokens"));
            } else {
                batch.add(prompt);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        List<PromptMessage> prompts = batch.stream().map(QueuedPrompt::prompt).toList();
        long start = System.nanoTime();
        List<RolloutGroup> groups = generator.generate(prompts, policy.model(), policy.version(),
                properties.seed() + batches.getAndIncrement());
        long tokens = groups.stream().flatMap(g -> g.completions().stream()).mapToLong(c -> c.tokenIds().length).sum();
        publish(groups);
        for (QueuedPrompt prompt : batch) {
            offsets.done(prompt.partition(), prompt.offset());
        }
        groupsPublished.addAndGet(groups.size());
        tokensGenerated.addAndGet(tokens);
        versionsUsed.add(policy.version());
        long nanos = System.nanoTime() - start;
        generationNanos.addAndGet(nanos);
        int sequences = batch.stream().mapToInt(QueuedPrompt::sequences).sum();
        lastBatchFill = Math.min(1.0, (double) sequences / properties.maxBatchSequences());
        lastVersionLag = Math.max(0, policies.newestAvailable() - policy.version());
        log.info("Generated {} groups ({} tokens, {} tokens/s) with policy version {}", groups.size(), tokens,
                String.format("%.0f", tokens / Math.max(nanos / 1e9, 1e-9)), policy.version());
    }

    /**
     * Sends the groups, and sends them all again while the broker is unreachable, for up to {@code broker-wait}. A
     * group whose first send did arrive is then stored twice, and the trainer counts it once.
     */
    private void publish(List<RolloutGroup> groups) {
        String description = groups.size() + " rollout groups";
        try {
            brokerRetry.run(description, () -> {
                List<CompletableFuture<?>> sends = new ArrayList<>(groups.size());
                for (RolloutGroup group : groups) {
                    sends.add(publisher.send(Topics.ROLLOUTS, group.groupId(), group));
                }
                publisher.awaitAll(sends, description);
            });
        } catch (RuntimeException e) {
            if (BrokerRetry.timedOut(e)) {
                throw new BrokerUnreachableException("sending " + description + " timed out: the broker was "
                        + "unreachable for longer than reasonflow.rollout.broker-wait (" + properties.brokerWait()
                        + "). Check the broker, then restart this instance: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /** Failure to reach the broker within {@code broker-wait}, as opposed to a failure of the prompts themselves. */
    private static final class BrokerUnreachableException extends IllegalStateException {
        BrokerUnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private void deadLetter(List<QueuedPrompt> batch, Exception reason) {
        for (QueuedPrompt prompt : batch) {
            deadLetters.send(prompt.record(), reason);
            offsets.done(prompt.partition(), prompt.offset());
        }
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

    /** Sequences of the latest batch over the most a generation batch holds, capped at 1. */
    public double lastBatchFill() {
        return lastBatchFill;
    }

    /** Versions between the newest loaded policy and the one the latest batch used. */
    public long lastVersionLag() {
        return lastVersionLag;
    }

    /** Sequences (prompts times G) waiting in the local queue. */
    public int queuedSequences() {
        return queue.queuedSequences();
    }

    /** Times consumption was paused because the local queue was full. */
    public long pauses() {
        return pauses.get();
    }

    /** Prompt partitions this instance handed to another one (rebalances and shutdown). */
    public long partitionsReleased() {
        return partitionsReleased.get();
    }

    /** Returns the number of offset commits that were rejected or timed out, each tried again after a later poll. */
    public long commitFailures() {
        return commitFailures.get();
    }

    /** Why the prompt consumer stopped on its own, or null while it runs (or stopped on request). */
    public String failure() {
        return failure;
    }

    /** Policy versions this worker has generated with. */
    public Set<Long> versionsUsed() {
        return Set.copyOf(versionsUsed);
    }
}
