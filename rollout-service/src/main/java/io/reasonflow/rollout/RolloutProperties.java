package io.reasonflow.rollout;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the rollout service ({@code reasonflow.rollout.*}).
 *
 * @param workerId          name of this worker, reported on every group it publishes
 * @param groupId           consumer group of the prompt readers; instances with the same group share the prompts
 * @param runId             training run whose policy versions this worker follows; empty follows any run
 * @param maxBatchSequences most sequences (prompts times G) sampled together in one generation batch
 * @param maxBatchTokens    most tokens a generation batch holds, padding included: rows times (longest
 *                          prompt plus max new tokens)
 * @param maxRecordBytes    prompt records larger than this go to the dead-letter topic without their value
 * @param queueSequences    sequences queued locally at which consumption pauses; it resumes below half
 * @param batchLinger       how long a batch that could take more prompts waits for them
 * @param pollTimeout       longest wait of one poll; the consumer polls at least this often
 * @param shutdownTimeout   how long shutdown, or a partition moving to another instance, waits for the
 *                          batch in flight to be published
 * @param policyWaitTimeout how long a prompt waits for the policy version it asks for before it fails
 * @param brokerWait        how long a generated batch is sent again while the broker is unreachable. After that the
 *                          instance reports itself down and leaves the batch's prompts uncommitted
 * @param weightFetchAttempts attempts to fetch and verify a policy version's weights before it is refused
 * @param weightFetchBackoff  wait before the second attempt; doubled before each later one
 * @param tokenizer         directory with the {@code tokenizer.json} of a Hugging Face model the policy was started
 *                          from; null uses the byte-level tokenizer of models trained from scratch
 * @param seed              base seed of the sampler for prompts without a sampling seed; batch n samples with
 *                          {@code seed + n}
 */
@ConfigurationProperties(prefix = "reasonflow.rollout", ignoreUnknownFields = false)
public record RolloutProperties(String workerId, String groupId, String runId, int maxBatchSequences, long maxBatchTokens,
        int maxRecordBytes, int queueSequences, Duration batchLinger, Duration pollTimeout, Duration shutdownTimeout,
        Duration policyWaitTimeout, Duration brokerWait, int weightFetchAttempts, Duration weightFetchBackoff,
        java.nio.file.Path tokenizer, long seed) {

    public RolloutProperties {
        if (workerId == null || workerId.isBlank()) {
            workerId = "rollout-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        }
        groupId = groupId == null || groupId.isBlank() ? "reasonflow-rollout" : groupId;
        runId = runId == null ? "" : runId;
        atLeastOne("max-batch-sequences", maxBatchSequences);
        atLeastOne("max-batch-tokens", maxBatchTokens);
        atLeastOne("queue-sequences", queueSequences);
        atLeastOne("max-record-bytes", maxRecordBytes);
        atLeastOne("weight-fetch-attempts", weightFetchAttempts);
        batchLinger = batchLinger == null ? Duration.ofMillis(20) : batchLinger;
        if (batchLinger.isNegative()) {
            throw new IllegalArgumentException("reasonflow.rollout.batch-linger is " + batchLinger
                    + ", expected zero or a positive duration such as 20ms");
        }
        positive("poll-timeout", pollTimeout);
        positive("shutdown-timeout", shutdownTimeout);
        positive("policy-wait-timeout", policyWaitTimeout);
        brokerWait = brokerWait == null ? Duration.ofMinutes(3) : brokerWait;
        positive("broker-wait", brokerWait);
        positive("weight-fetch-backoff", weightFetchBackoff);
        if (tokenizer != null && !java.nio.file.Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("reasonflow.rollout.tokenizer is " + tokenizer
                    + ", expected a directory that contains tokenizer.json");
        }
    }

    private static void atLeastOne(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException("reasonflow.rollout." + name + " is " + value + ", expected >= 1");
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("reasonflow.rollout." + name + " is " + value
                    + ", expected a positive duration such as 5s or 10m");
        }
    }
}
