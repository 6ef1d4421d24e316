package io.reasonflow.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.trainer.TrainerProperties;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class RunSettingsTest {
    private static final Path CHECKPOINT = Path.of("out", "checkpoints", "step-4");

    /** Binds the service's properties file with {@code overrides}, as Spring does at start-up. */
    static TrainerProperties bind(Map<String, String> overrides) throws IOException {
        Properties file = new Properties();
        try (InputStream in = RunSettingsTest.class.getResourceAsStream("/trainer-service.properties")) {
            file.load(in);
        }
        Map<String, Object> source = new HashMap<>();
        file.forEach((key, value) -> source.put((String) key, value));
        overrides.forEach((key, value) -> source.put("reasonflow.trainer." + key, value));
        return new Binder(new MapConfigurationPropertySource(source)).bind("reasonflow.trainer", TrainerProperties.class)
                .get();
    }

    @Test
    void flattensNestedSettingsByPropertyName() throws IOException {
        Map<String, String> settings = RunSettings.of(bind(Map.of("pipeline.reward.weights.format", "0.5")));

        assertThat(settings).containsEntry("grpo.groups-per-step", "8").containsEntry("task.name", "arithmetic")
                .containsEntry("model.hidden-size", "128").containsEntry("group-timeout", "PT10M")
                .containsEntry("grpo.staleness-bound", "1").containsEntry("checkpoint-every", "10")
                .containsEntry("pipeline.reward.weights.format", "0.5").doesNotContainKey("resume-from");
    }

    @Test
    void flatSettingsBindToSameProperties() throws IOException {
        TrainerProperties properties = bind(Map.of("grpo.beta", "0.1", "seed", "42", "pipeline.reward.weights.format",
                "0.5"));

        assertThat(bind(RunSettings.of(properties))).isEqualTo(properties);
    }

    @Test
    void changedSettingIsNamed() throws IOException {
        Map<String, String> stored = RunSettings.of(bind(Map.of()));
        Map<String, String> current = RunSettings.of(bind(Map.of("grpo.beta", "0.1")));

        assertThatThrownBy(() -> RunSettings.requireSameRun(stored, current, CHECKPOINT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reasonflow.trainer.grpo.beta is 0.1")
                .hasMessageContaining("with 0.04").hasMessageContaining(CHECKPOINT.toString());
    }

    @Test
    void changedPipelineSettingIsNamed() throws IOException {
        Map<String, String> stored = RunSettings.of(bind(Map.of("pipeline.reward.weights.format", "0.5")));
        Map<String, String> current = RunSettings.of(bind(Map.of()));

        assertThatThrownBy(() -> RunSettings.requireSameRun(stored, current, CHECKPOINT))
                .hasMessageContaining("reasonflow.trainer.pipeline.reward.weights.format is null")
                .hasMessageContaining("with 0.5");
    }

    @Test
    void operationalSettingsMayChange() throws IOException {
        Map<String, String> stored = RunSettings.of(bind(Map.of()));
        Map<String, String> current = RunSettings.of(bind(Map.of("group-timeout", "1m", "checkpoint-every", "3",
                "checkpoint-keep", "7", "output-dir", "elsewhere", "auto-start", "true")));

        assertThatCode(() -> RunSettings.requireSameRun(stored, current, CHECKPOINT)).doesNotThrowAnyException();
    }
}
