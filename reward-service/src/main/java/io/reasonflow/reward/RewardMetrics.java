package io.reasonflow.reward;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.reasonflow.reward.stream.RewardCounters;
import java.util.function.ToDoubleFunction;

/**
 * Publishes the reward service's counters as Micrometer meters, which {@code /actuator/prometheus}
 * serves as {@code reasonflow_reward_*_total}. Graded completions per second is the rate of
 * {@code reasonflow_reward_completions_graded_total}.
 */
final class RewardMetrics implements MeterBinder {
    private final RewardCounters counters;
    private final RewardProperties properties;

    RewardMetrics(RewardCounters counters, RewardProperties properties) {
        this.counters = counters;
        this.properties = properties;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "reasonflow.reward.groups.scored", "Groups published to reasonflow.scored",
                c -> c.groupsScored());
        counter(registry, "reasonflow.reward.completions.graded", "Completions in the published groups",
                c -> c.completionsScored());
        for (String grader : properties.reportedGraders()) {
            FunctionCounter.builder("reasonflow.reward.ungradable", counters,
                    c -> c.ungradable().getOrDefault(grader, 0L))
                    .description("Null scores in published groups, by grader").tag("grader", grader)
                    .register(registry);
        }
        deadLettered(registry, "invalid_rollout", c -> c.rolloutsDeadLettered());
        deadLettered(registry, "incomplete_group", c -> c.incompleteGroups());
        deadLettered(registry, "partial_scores", c -> c.partialsDeadLettered());
        counter(registry, "reasonflow.reward.duplicate.partials",
                "Partial scores ignored because their grader had already reported for the group",
                c -> c.duplicatePartials());
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<RewardCounters> value) {
        FunctionCounter.builder(name, counters, value).description(description).register(registry);
    }

    private void deadLettered(MeterRegistry registry, String reason, ToDoubleFunction<RewardCounters> value) {
        FunctionCounter.builder("reasonflow.reward.dead.lettered", counters, value)
                .description("Records sent to a dead-letter topic, by reason").tag("reason", reason)
                .register(registry);
    }
}
