package io.reasonflow.rollout;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the rollout service ({@code reasonflow.rollout.*}).
 *
 * @param workerId          name of this worker, reported on every group it publishes
 * @param runId             training run whose policy versions this worker follows; empty follows any run
 * @param maxBatchSequences most sequences (prompts times G) sampled together in one generation batch
 * @param policyWaitTimeout how long a prompt waits for the policy version it asks for before it fails
 * @param seed              base seed of the sampler for prompts without a sampling seed; batch n samples with
 *                          {@code seed + n}
 */
@ConfigurationProperties("reasonflow.rollout")
public record RolloutProperties(String workerId, String runId, int maxBatchSequences, Duration policyWaitTimeout,
        long seed) {

    public RolloutProperties {
        if (workerId == null || workerId.isBlank()) {
            workerId = "rollout-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        }
        runId = runId == null ? "" : runId;
        if (maxBatchSequences < 1) {
            throw new IllegalArgumentException("reasonflow.rollout.max-batch-sequences is " + maxBatchSequences
                    + ", expected >= 1");
        }
        if (policyWaitTimeout == null || policyWaitTimeout.isNegative() || policyWaitTimeout.isZero()) {
            throw new IllegalArgumentException("reasonflow.rollout.policy-wait-timeout is " + policyWaitTimeout
                    + ", expected a positive duration such as 5m");
        }
    }
}
