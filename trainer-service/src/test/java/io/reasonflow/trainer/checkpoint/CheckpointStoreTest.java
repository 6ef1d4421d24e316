package io.reasonflow.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.checkpoint.Checkpoints;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.trainer.io.InputPosition;
import io.reasonflow.trainer.ledger.Ledger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing, reading, finding and pruning trainer checkpoints. */
class CheckpointStoreTest {
    private static PolicyModel model;

    @BeforeAll
    static void createModel() {
        model = PolicyModel.initialize(ModelConfig.tiny(ByteTokenizer.VOCAB_SIZE), 3);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    private static TrainerState state(int step) {
        Ledger ledger = new Ledger();
        for (String id : List.of("run-train-0", "run-train-1", "run-train-2")) {
            ledger.publishedTrain(id);
        }
        ledger.scoredTrain("run-train-0");
        ledger.scoredTrain("run-train-1");
        ledger.trained(List.of("run-train-0"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run", "run-train-2", "p2", "arithmetic",
                "User: 1+2\nAssistant: ", "3", Purpose.TRAIN, new SamplingSettings(4, 1.0, 1.0, 0, 16, List.of()), 3,
                -77L);
        return new TrainerState(0, step, step + 1, 12, 40, 123_456_789L, 2.5, 30.0, 10.0, List.of(0L, 1L, 2L),
                Map.of("sft", Map.of("pass_at_1", 0.5)), ledger.state(List.of("run-train-1")), List.of(prompt),
                new InputPosition("cluster-a", "topic-a", Map.of(0, 5L, 1, 7L), Map.of(0, 9L, 1, 7L),
                        Map.of("reasonflow.scored.dlq-0", 2L)), 3);
    }

    private static CheckpointManifest manifest(int step) {
        return new CheckpointManifest(CheckpointManifest.FORMAT, "run", step, step + 1, "2025-01-01T00:00:00Z",
                Map.of("seed", "7", "grpo.steps", "10"), Map.of());
    }

    private static Path write(CheckpointStore store, int step) {
        return store.write(step, manifest(step), directory -> {
            Checkpoints.save(directory.resolve(CheckpointStore.MODEL_DIR), model);
            Checkpoints.save(directory.resolve(CheckpointStore.REFERENCE_DIR), model);
            Files.write(directory.resolve(CheckpointStore.STATE_FILE), Messages.encode(state(step)));
            Files.writeString(directory.resolve("metrics.jsonl"), "{\"step\":1}\n{\"step\":2}\n");
            Files.writeString(directory.resolve("eval.jsonl"), "{\"stage\":\"start\"}\n");
        });
    }

    @Test
    void writtenCheckpointReadsBack(@TempDir Path output) throws IOException {
        Path written = write(new CheckpointStore(output.resolve("checkpoints"), 3), 4);

        SavedCheckpoint saved = CheckpointStore.read(written);

        assertThat(written).isEqualTo(output.resolve("checkpoints/step-4"));
        CheckpointManifest manifest = saved.manifest();
        assertThat(manifest.format()).isEqualTo(CheckpointManifest.FORMAT);
        assertThat(manifest.runId()).isEqualTo("run");
        assertThat(manifest.step()).isEqualTo(4);
        assertThat(manifest.policyVersion()).isEqualTo(5);
        assertThat(manifest.settings()).containsEntry("grpo.steps", "10");
        assertThat(manifest.files()).containsKeys("model/model.safetensors", "model/config.json",
                "reference/model.safetensors", CheckpointStore.STATE_FILE, "metrics.jsonl", "eval.jsonl");
        assertThat(manifest.files().get("model/model.safetensors").bytes())
                .isEqualTo(Files.size(written.resolve("model/model.safetensors")));
        assertThat(saved.state()).usingRecursiveComparison().ignoringFields("evaluations")
                .isEqualTo(state(4));
        assertThat(saved.state().ledger().replay()).containsExactly("run-train-1");
        assertThat(saved.state().unsettledPrompts().get(0).samplingSeed()).isEqualTo(-77L);
        assertThat(saved.metricsLines()).containsExactly("{\"step\":1}", "{\"step\":2}");
        assertThat(saved.optimizerState()).isEmpty();
        try (PolicyModel loaded = saved.loadPolicy()) {
            assertThat(loaded.toSafetensors()).isEqualTo(model.toSafetensors());
        }
    }

    @Test
    void keepsNewestAndFindsLatest(@TempDir Path output) {
        CheckpointStore store = new CheckpointStore(output.resolve("checkpoints"), 2);
        for (int step = 1; step <= 5; step++) {
            write(store, step);
        }

        assertThat(output.resolve("checkpoints/step-3")).doesNotExist();
        assertThat(output.resolve("checkpoints/step-4")).isDirectory();
        assertThat(CheckpointStore.locate(output)).isEqualTo(output.resolve("checkpoints/step-5"));
        assertThat(CheckpointStore.locate(output.resolve("checkpoints/step-4")))
                .isEqualTo(output.resolve("checkpoints/step-4"));
        assertThat(store.removeAfter(4)).containsExactly(output.resolve("checkpoints/step-5"));
        assertThat(CheckpointStore.locate(output)).isEqualTo(output.resolve("checkpoints/step-4"));
    }

    @Test
    void incompleteCheckpointIsIgnored(@TempDir Path output) throws IOException {
        CheckpointStore store = new CheckpointStore(output.resolve("checkpoints"), 3);
        write(store, 2);
        // What a crash leaves behind: a half-written temporary directory, and a step without its manifest.
        Files.createDirectories(output.resolve("checkpoints/.step-3.tmp/model"));
        Files.createDirectories(output.resolve("checkpoints/step-9/model"));

        assertThat(CheckpointStore.locate(output)).isEqualTo(output.resolve("checkpoints/step-2"));
        write(store, 3);
        assertThat(output.resolve("checkpoints/.step-3.tmp")).doesNotExist();
        assertThat(CheckpointStore.locate(output)).isEqualTo(output.resolve("checkpoints/step-3"));
    }

    @Test
    void damagedFileIsRejected(@TempDir Path output) throws IOException {
        Path written = write(new CheckpointStore(output.resolve("checkpoints"), 3), 1);
        Path weights = written.resolve("model/model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 1;
        Files.write(weights, bytes);

        assertThatThrownBy(() -> CheckpointStore.read(written)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model/model.safetensors").hasMessageContaining("damaged");
    }

    @Test
    void missingCheckpointIsNamed(@TempDir Path output) {
        assertThatThrownBy(() -> CheckpointStore.locate(output)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(output.toString()).hasMessageContaining("contains no trainer checkpoint");
    }
}
