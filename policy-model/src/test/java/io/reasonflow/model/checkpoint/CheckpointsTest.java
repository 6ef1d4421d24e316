package io.reasonflow.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.transformer.PolicyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
    private static final ModelConfig CONFIG = new ModelConfig(40, 32, 1, 4, 2, 48, 64, 10_000.0, 1e-5, false, 37, 38);

    @Test
    void saveAndLoadRoundTrip(@TempDir Path dir) {
        Path checkpoint = dir.resolve("step-10");
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 8)) {
            Checkpoints.save(checkpoint, model);
            assertThat(checkpoint.resolve("config.json")).exists();
            assertThat(checkpoint.resolve("model.safetensors")).exists();
            try (PolicyModel loaded = Checkpoints.load(checkpoint)) {
                assertThat(loaded.config()).isEqualTo(CONFIG);
                assertThat(loaded.toSafetensors()).isEqualTo(model.toSafetensors());
            }
        }
    }

    @Test
    void loadErrorsNameTheFile(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(dir.resolve("config.json").toString());
        Files.writeString(dir.resolve("config.json"), CONFIG.toJson());
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(dir.resolve("model.safetensors").toString());
        Files.write(dir.resolve("model.safetensors"), new byte[3]);
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("model.safetensors").toString())
                .hasMessageContaining("shorter than the 8-byte header length");
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 32}");
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("config.json").toString());
    }
}
