package io.reasonflow.rollout;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * The rollout worker's figures as Micrometer meters, served on {@code /actuator/prometheus} as
 * {@code reasonflow_rollout_*}. Generated tokens per second is the rate of
 * {@code reasonflow_rollout_tokens_generated_total}; the idle fraction is one minus the rate of
 * {@code reasonflow_rollout_generation_seconds_total}.
 */
@Component
class RolloutMetrics implements MeterBinder {
    private final RolloutWorker prompts;
    private final PolicyFollower policies;

    RolloutMetrics(RolloutWorker prompts, PolicyFollower policies) {
        this.prompts = prompts;
        this.policies = policies;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("reasonflow.rollout.tokens.generated", prompts, RolloutWorker::tokensGenerated)
                .description("Completion tokens generated").register(registry);
        FunctionCounter.builder("reasonflow.rollout.groups.published", prompts, RolloutWorker::groupsPublished)
                .description("Rollout groups published").register(registry);
        FunctionCounter.builder("reasonflow.rollout.generation.seconds", prompts,
                RolloutWorker::generationSeconds)
                .description("Seconds spent generating and publishing").register(registry);
        Gauge.builder("reasonflow.rollout.batch.fill", prompts, RolloutWorker::lastBatchFill)
                .description("Sequences of the latest batch over the generation batch's capacity").register(registry);
        Gauge.builder("reasonflow.rollout.queued.sequences", prompts, RolloutWorker::queuedSequences)
                .description("Sequences (prompts times G) waiting in the local queue").register(registry);
        FunctionCounter.builder("reasonflow.rollout.consumption.pauses", prompts, RolloutWorker::pauses)
                .description("Times consumption paused because the local queue was full").register(registry);
        FunctionCounter.builder("reasonflow.rollout.commit.failures", prompts, RolloutWorker::commitFailures)
                .description("Prompt offset commits that the group rejected or that timed out, each tried again later")
                .register(registry);
        Gauge.builder("reasonflow.rollout.version.lag", prompts, RolloutWorker::lastVersionLag)
                .description("Versions between the newest loaded policy and the one the latest batch used")
                .register(registry);
        FunctionCounter.builder("reasonflow.rollout.weight.sync.seconds", policies, PolicyFollower::weightSyncSeconds)
                .description("Seconds spent loading verified policy versions").register(registry);
        FunctionCounter.builder("reasonflow.rollout.policy.versions.loaded", policies, PolicyFollower::versionsLoaded)
                .description("Policy versions loaded").register(registry);
        FunctionCounter.builder("reasonflow.rollout.refused.updates", policies, PolicyFollower::rejectedVersions)
                .description("Policy versions refused because their weights failed verification").register(registry);
    }
}
