package io.reasonflow.trainer.run;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The figures of the latest GRPO step as Micrometer gauges, which {@code /actuator/prometheus} serves
 * as {@code reasonflow_trainer_<field>}, one per numeric field of {@code metrics.jsonl}. Per-grader
 * rewards share one gauge, {@code reasonflow_trainer_reward{grader="..."}}, and their standard
 * deviations another, {@code reasonflow_trainer_grader_reward_std{grader="..."}}: Prometheus requires
 * every series of a name to have the same labels, and {@code reasonflow_trainer_reward_std} is the
 * untagged spread of the total reward. A gauge appears with the first step that reports its field.
 */
public final class TrainerMetrics {
    private static final String GRADER_PREFIX = "reward_";
    private static final String GRADER_STD_PREFIX = "reward_std_";
    private static final java.util.Set<String> NOT_GRADERS = java.util.Set.of("reward_mean", "reward_std");

    private final MeterRegistry registry;
    private final Map<String, double[]> latest = new ConcurrentHashMap<>();

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Records the figures of one step, as written to {@code metrics.jsonl}. */
    public void record(Map<String, Object> step) {
        step.forEach((field, value) -> {
            if (!(value instanceof Number number)) {
                return;
            }
            double[] holder = latest.computeIfAbsent(field, this::register);
            holder[0] = number.doubleValue();
        });
    }

    private double[] register(String field) {
        double[] holder = {Double.NaN};
        Gauge.Builder<double[]> gauge;
        if (field.startsWith(GRADER_STD_PREFIX)) {
            gauge = Gauge.builder("reasonflow.trainer.grader.reward.std", holder, h -> h[0])
                    .tag("grader", field.substring(GRADER_STD_PREFIX.length()))
                    .description("Standard deviation of the grader's scores over the latest step's completions");
        } else if (field.startsWith(GRADER_PREFIX) && !NOT_GRADERS.contains(field)) {
            gauge = Gauge.builder("reasonflow.trainer.reward", holder, h -> h[0])
                    .tag("grader", field.substring(GRADER_PREFIX.length()))
                    .description("Mean score of the grader over the latest step's completions");
        } else {
            gauge = Gauge.builder("reasonflow.trainer." + field, holder, h -> h[0])
                    .description("Latest GRPO step's " + field.replace('_', ' '));
        }
        gauge.strongReference(true).register(registry);
        return holder;
    }
}
