package io.reasonflow.trainer.io;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.service.MessagePublisher;
import io.reasonflow.service.RecordDescriptions;
import io.reasonflow.trainer.TrainerProperties;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The trainer's side of Kafka: publishes prompts, policy versions and evaluations, and hands scored
 * groups of its own run to the training loop through one queue per purpose. It also watches the
 * dead-letter topics of the stages a prompt passes through, so the ledger can account for every group.
 */
@Component
public class KafkaTrainerIo implements TrainerIo {
    private static final Logger log = LoggerFactory.getLogger(KafkaTrainerIo.class);

    private final MessagePublisher publisher;
    private final String runId;
    private final Map<Purpose, BlockingQueue<ScoredGroup>> inbox = new EnumMap<>(Purpose.class);
    private final BlockingQueue<String> deadLettered = new LinkedBlockingQueue<>();
    private final AtomicLong otherRuns = new AtomicLong();

    public KafkaTrainerIo(MessagePublisher publisher, TrainerProperties properties) {
        this.publisher = publisher;
        this.runId = properties.runId();
        for (Purpose purpose : Purpose.values()) {
            inbox.put(purpose, new LinkedBlockingQueue<>());
        }
    }

    @KafkaListener(id = "trainer-scored", topics = "reasonflow.scored",
            groupId = "reasonflow-trainer-${reasonflow.trainer.run-id}")
    public void onScored(ConsumerRecord<String, byte[]> record) {
        ScoredGroup scored = Topics.SCORED.decode(record.value());
        if (!runId.equals(scored.group().prompt().runId())) {
            long count = otherRuns.incrementAndGet();
            if (count == 1 || count % 1000 == 0) {
                log.info("Skipping scored group of run {} at {} ({} skipped so far); this trainer runs {}",
                        scored.group().prompt().runId(), RecordDescriptions.describe(record), count, runId);
            }
            return;
        }
        inbox.get(scored.group().prompt().purpose()).add(scored);
    }

    @KafkaListener(id = "trainer-dead-letters",
            topics = {"reasonflow.prompts.dlq", "reasonflow.rollouts.dlq", "reasonflow.scored.dlq"},
            groupId = "reasonflow-trainer-dlq-${reasonflow.trainer.run-id}")
    public void onDeadLetter(ConsumerRecord<String, byte[]> record) {
        if (record.key() != null) {
            deadLettered.add(record.key());
        }
    }

    @Override
    public void publishPrompts(List<PromptMessage> prompts) {
        List<CompletableFuture<?>> sends = new ArrayList<>(prompts.size());
        for (PromptMessage prompt : prompts) {
            sends.add(publisher.send(Topics.PROMPTS, prompt.groupId(), prompt));
        }
        publisher.awaitAll(sends, prompts.size() + " prompts");
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
    public void publishEval(EvalResult result) {
        publisher.sendAndWait(Topics.EVAL, result.runId(), result);
    }

    @Override
    public ScoredGroup pollScored(Purpose purpose, Duration timeout) throws InterruptedException {
        return inbox.get(purpose).poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public List<String> drainDeadLettered() {
        List<String> keys = new ArrayList<>();
        deadLettered.drainTo(keys);
        return keys;
    }
}
