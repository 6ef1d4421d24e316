package io.reasonflow.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerMetricsTest {

    @Test
    void gaugesFollowLatestStep() {
        // Prometheus rejects a name whose series differ in labels, which a simple registry would accept.
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TrainerMetrics metrics = new TrainerMetrics(registry);
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("kl", 0.25);
        step.put("reward_mean", 1.5);
        step.put("reward_accuracy", 0.75);
        step.put("reward_std", 0.25);
        step.put("reward_std_accuracy", 0.5);
        step.put("reward_judge", null);
        step.put("note", "not a number");

        metrics.record(step);
        step.put("kl", 0.5);
        metrics.record(step);

        assertThat(registry.get("reasonflow.trainer.kl").gauge().value()).isEqualTo(0.5);
        assertThat(registry.get("reasonflow.trainer.reward_mean").gauge().value()).isEqualTo(1.5);
        assertThat(registry.get("reasonflow.trainer.reward").tag("grader", "accuracy").gauge().value())
                .isEqualTo(0.75);
        assertThat(registry.get("reasonflow.trainer.grader.reward.std").tag("grader", "accuracy").gauge().value())
                .isEqualTo(0.5);
        assertThat(registry.scrape()).contains("reasonflow_trainer_reward_std 0.25")
                .contains("reasonflow_trainer_grader_reward_std{grader=\"accuracy\"} 0.5");
        assertThat(registry.find("reasonflow.trainer.reward").tag("grader", "judge").gauge()).isNull();
        assertThat(registry.find("reasonflow.trainer.note").gauge()).isNull();
    }
}
