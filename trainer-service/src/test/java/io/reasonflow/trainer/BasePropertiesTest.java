package io.reasonflow.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.trainer.checkpoint.RunSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class BasePropertiesTest {

    @Test
    void baseStageIsOffByDefault() throws IOException {
        TrainerProperties.Base base = bind(Map.of()).base();

        assertThat(base).isEqualTo(new TrainerProperties.Base(0, 32, 0.0005));
    }

    @Test
    void missingBaseKeysGetDefaults() throws IOException {
        Map<String, Object> values = defaults();
        values.keySet().removeIf(key -> key.startsWith("reasonflow.trainer.base."));

        TrainerProperties.Base base = new Binder(new MapConfigurationPropertySource(values))
                .bind("reasonflow.trainer", TrainerProperties.class).get().base();

        assertThat(base).isEqualTo(new TrainerProperties.Base(0, 32, 0.0005));
    }

    @Test
    void optionsBindFromKebabCase() throws IOException {
        TrainerProperties.Base base = bind(Map.of("reasonflow.trainer.base.steps", "300",
                "reasonflow.trainer.base.batch-size", "16", "reasonflow.trainer.base.learning-rate", "0.002")).base();

        assertThat(base).isEqualTo(new TrainerProperties.Base(300, 16, 0.002));
    }

    @Test
    void invalidValuesNameTheProperty() {
        assertThatThrownBy(() -> bind(Map.of("reasonflow.trainer.base.steps", "-1")))
                .rootCause()
                .hasMessage("reasonflow.trainer.base.steps is -1, expected >= 0 (0 skips base pretraining)");
        assertThatThrownBy(() -> bind(Map.of("reasonflow.trainer.base.batch-size", "0")))
                .rootCause()
                .hasMessage("reasonflow.trainer.base.batch-size is 0, expected >= 1");
        assertThatThrownBy(() -> bind(Map.of("reasonflow.trainer.base.learning-rate", "0")))
                .rootCause()
                .hasMessage("reasonflow.trainer.base.learning-rate is 0.0, expected a finite value > 0");
    }

    @Test
    void baseStageNeedsTheArithmeticTask(@TempDir Path directory) throws IOException {
        Path dataset = Files.writeString(directory.resolve("train.jsonl"),
                "{\"question\": \"What is 2+2?\", \"answer\": \"#### 4\"}\n");

        assertThatThrownBy(() -> bind(Map.of("reasonflow.trainer.base.steps", "10",
                "reasonflow.trainer.task.name", "gsm8k", "reasonflow.trainer.task.dataset", dataset.toString())))
                .rootCause()
                .hasMessage("reasonflow.trainer.base.steps is 10, expected 0 when the task is gsm8k, because base "
                        + "pretraining generates arithmetic text");
    }

    @Test
    void checkpointSettingsOmitSkippedStage() throws IOException {
        Map<String, String> off = RunSettings.of(bind(Map.of("reasonflow.trainer.base.batch-size", "16")));
        Map<String, String> on = RunSettings.of(bind(Map.of("reasonflow.trainer.base.steps", "5")));

        assertThat(off).doesNotContainKeys("base.steps", "base.batch-size", "base.learning-rate");
        assertThat(on).containsEntry("base.steps", "5").containsEntry("base.batch-size", "32");
    }

    @Test
    void resumeComparesBaseSettings() throws IOException {
        Map<String, String> off = RunSettings.of(bind(Map.of()));
        Map<String, String> on = RunSettings.of(bind(Map.of("reasonflow.trainer.base.steps", "5")));
        Path checkpoint = Path.of("checkpoints", "step-0");

        assertThatCode(() -> RunSettings.requireSameRun(off, off, checkpoint)).doesNotThrowAnyException();
        assertThatThrownBy(() -> RunSettings.requireSameRun(off, on, checkpoint))
                .hasMessageStartingWith("reasonflow.trainer.base.batch-size is 32 but the checkpoint");
    }

    /** Binds the settings of {@code trainer-service.properties} with {@code overrides} applied. */
    private static TrainerProperties bind(Map<String, String> overrides) throws IOException {
        Map<String, Object> values = defaults();
        values.putAll(overrides);
        return new Binder(new MapConfigurationPropertySource(values))
                .bind("reasonflow.trainer", TrainerProperties.class).get();
    }

    private static Map<String, Object> defaults() throws IOException {
        Properties defaults = new Properties();
        try (InputStream in = BasePropertiesTest.class.getResourceAsStream("/trainer-service.properties")) {
            defaults.load(in);
        }
        Map<String, Object> values = new HashMap<>();
        defaults.forEach((key, value) -> values.put((String) key, value));
        return values;
    }
}
