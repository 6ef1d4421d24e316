package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricReferencesTest {

    @Test
    void namesOfSelectorsOnly() {
        assertThat(MetricReferences.metricNames(
                "sum by (grader) (rate(reasonflow_reward_ungradable_total{job=~\"reasonflow-.*\"}[$__rate_interval]))"
                        + " / ignoring(grader) group_left sum(rate(reasonflow_reward_completions_graded_total[5m]))"))
                .containsExactly("reasonflow_reward_completions_graded_total", "reasonflow_reward_ungradable_total");
    }

    @Test
    void keywordsNumbersAndFunctionsAreNotNames() {
        assertThat(MetricReferences.metricNames(
                "delta(reasonflow_trainer_dropped_stale[15m]) > 2 * clamp_min(delta(reasonflow_trainer_step[15m]), 1e3)"
                        + " and on () count(up == 1) > 0 unless absent(reasonflow_trainer_kl offset 5m)"))
                .containsExactly("reasonflow_trainer_dropped_stale", "reasonflow_trainer_kl", "reasonflow_trainer_step", "up");
    }

    @Test
    void labelValuesAreNotNames() {
        assertThat(MetricReferences.metricNames("reasonflow_reward_dead_lettered_total{reason=\"incomplete_group\"}"))
                .containsExactly("reasonflow_reward_dead_lettered_total");
    }
}
