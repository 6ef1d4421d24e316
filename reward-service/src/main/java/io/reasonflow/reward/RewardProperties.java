package io.reasonflow.reward;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the reward service ({@code reasonflow.reward.*}).
 *
 * @param weights weight of each grader in a completion's total score, by grader name
 *                ({@code reasonflow.reward.weights.<name>}); a grader without a weight does not run.
 *                The graders known to this build are {@code accuracy}, {@code format},
 *                {@code format_partial}, {@code language_consistency}, {@code overlong} and
 *                {@code repetition}. The default is {@code accuracy} 1.0 and {@code format} 0.2.
 *                When any weighted grader returns null for a completion, its total is null.
 */
@ConfigurationProperties("reasonflow.reward")
public record RewardProperties(Map<String, Double> weights) {

    public RewardProperties {
        if (weights == null || weights.isEmpty()) {
            weights = new LinkedHashMap<>(Map.of("accuracy", 1.0, "format", 0.2));
        }
        weights.forEach((name, weight) -> {
            if (!GraderRegistry.NAMES.contains(name)) {
                throw new IllegalArgumentException("reasonflow.reward.weights." + name + ": unknown grader '" + name
                        + "', known graders are " + GraderRegistry.NAMES);
            }
            if (weight == null || !Double.isFinite(weight) || weight < 0) {
                throw new IllegalArgumentException("reasonflow.reward.weights." + name + " is " + weight
                        + ", expected a finite number >= 0");
            }
        });
    }
}
