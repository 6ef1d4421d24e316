package io.reasonflow.model.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.ModelFamily;
import io.reasonflow.model.safetensors.Tensor;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.tokenizer.HfTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {
    private static final ModelConfig CONFIG = new ModelConfig(40, 32, 1, 4, 2, 48, 64, 10_000.0, 1e-5, false, 37, 38);
    /** The shape of the test tokenizer's config.json: Qwen2, 16 ids, EOS ids 2 and 4. */
    private static final ModelConfig QWEN2 = new ModelConfig(16, 32, 1, 4, 2, 48, 64, 10_000.0, 1e-6, true, 1, 2)
            .withFamily(ModelFamily.QWEN2).withSpecialTokens(List.of(2, 4), null);

    private static Path tokenizerDir() throws URISyntaxException {
        return Path.of(CheckpointsTest.class.getResource("/tokenizers/wordlevel/tokenizer.json").toURI()).getParent();
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

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
    void largeModelIsSharded(@TempDir Path dir) throws IOException {
        try (PolicyModel model = PolicyModel.initialize(QWEN2, 8)) {
            // 16 KiB shards over 33 KiB of weights: embedding and attention (14 KiB), gate and up (12 KiB),
            // down and the norms (6 KiB).
            Checkpoints.save(dir, model, null, 16 * 1024);
            List<String> names = fileNames(dir);
            assertThat(names).containsExactly("config.json", "model-00001-of-00003.safetensors",
                    "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
                    "model.safetensors.index.json");
            String index = Files.readString(dir.resolve("model.safetensors.index.json"));
            assertThat(index).contains("\"weight_map\"", "\"model.layers.0.self_attn.q_proj.bias\" : \"model-0000",
                    "\"total_size\" : " + 4 * model.parameterCount());
            try (PolicyModel loaded = Checkpoints.load(dir)) {
                assertThat(loaded.config()).isEqualTo(QWEN2);
                assertThat(loaded.toSafetensors()).isEqualTo(model.toSafetensors());
            }
            Checkpoints.save(dir, model);
            assertThat(fileNames(dir)).containsExactly("config.json", "model.safetensors");
        }
    }

    @Test
    void loadsBf16ShardsWithTokenizer(@TempDir Path dir) throws Exception {
        try (PolicyModel source = PolicyModel.initialize(QWEN2, 9)) {
            List<Tensor> tensors = source.tensors();
            int half = tensors.size() / 2;
            Bf16Shards.write(dir, List.of(tensors.subList(0, half), tensors.subList(half, tensors.size())));
            for (String name : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                    "config.json")) {
                Files.copy(tokenizerDir().resolve(name), dir.resolve(name));
            }
            try (PolicyModel loaded = Checkpoints.load(dir); HfTokenizer tokenizer = HfTokenizer.load(dir)) {
                assertThat(loaded.config()).isEqualTo(QWEN2);
                for (Tensor tensor : tensors) {
                    float[] expected = tensor.data().clone();
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] = Bf16Shards.roundTrip(expected[i]);
                    }
                    assertThat(loaded.parameters().get(tensor.name()).toFloatArray()).as(tensor.name())
                            .containsExactly(expected);
                }
                assertThat(tokenizer.eosIds()).containsExactly(2, 4);
                Path copy = dir.resolve("copy");
                Checkpoints.save(copy, loaded, tokenizer);
                assertThat(fileNames(copy)).containsExactly("config.json", "model.safetensors",
                        "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json");
                try (HfTokenizer reloaded = HfTokenizer.load(copy)) {
                    assertThat(reloaded.encode("the cat")).containsExactly(tokenizer.encode("the cat"));
                    assertThat(reloaded.eosIds()).containsExactly(2, 4);
                }
            }
        }
    }

    @Test
    void byteTokenizerWritesNoFiles(@TempDir Path dir) throws IOException {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 8)) {
            Checkpoints.save(dir, model, new ByteTokenizer());
            assertThat(fileNames(dir)).containsExactly("config.json", "model.safetensors");
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

    @Test
    void malformedShardsNameTheFile(@TempDir Path dir) throws IOException {
        Path index = dir.resolve("model.safetensors.index.json");
        try (PolicyModel model = PolicyModel.initialize(QWEN2, 8)) {
            Checkpoints.save(dir, model, null, 16 * 1024);
        }
        String original = Files.readString(index);
        Path second = dir.resolve("model-00002-of-00003.safetensors");
        byte[] secondBytes = Files.readAllBytes(second);

        Files.delete(second);
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(second + ": missing, but model.safetensors.index.json maps tensors to it");
        Files.write(second, secondBytes);

        Files.writeString(index, original.replace("\"model.norm.weight\"", "\"model.norm.extra\" : "
                + "\"model-00001-of-00003.safetensors\", \"model.norm.weight\""));
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .hasMessageContaining(dir.resolve("model-00001-of-00003.safetensors") + ": has no tensor "
                        + "model.norm.extra, which model.safetensors.index.json maps to it");

        Files.writeString(index, original.replace("\"model.norm.weight\" : \"model-00003-of-00003.safetensors\"",
                "\"model.norm.weight\" : \"model-00001-of-00003.safetensors\""));
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .hasMessageContaining(dir.resolve("model-00003-of-00003.safetensors") + ": contains tensor "
                        + "model.norm.weight");

        Files.writeString(index, original.substring(0, original.length() / 2));
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .hasMessageContaining(index + ": invalid JSON");

        Files.writeString(index, "{\"weight_map\": {\"model.norm.weight\": \"../model.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .hasMessageContaining(index + ": weight_map maps model.norm.weight to \"../model.safetensors\"");

        Files.writeString(index, original.replaceAll("\\s*\"model.layers.0.self_attn.q_proj.bias\" : \"[^\"]+\",", ""));
        assertThatThrownBy(() -> Checkpoints.load(dir))
                .hasMessageContaining("contains tensor model.layers.0.self_attn.q_proj.bias");
    }

    @Test
    void missingQwen2BiasIsNamed(@TempDir Path dir) throws IOException {
        try (PolicyModel model = PolicyModel.initialize(QWEN2, 8)) {
            List<Tensor> withoutBias = new ArrayList<>(model.tensors());
            withoutBias.removeIf(tensor -> tensor.name().equals("model.layers.0.self_attn.v_proj.bias"));
            Files.writeString(dir.resolve("config.json"), QWEN2.toJson());
            Bf16Shards.write(dir, List.of(withoutBias));
            assertThatThrownBy(() -> Checkpoints.load(dir))
                    .hasMessageContaining(dir.resolve("model.safetensors.index.json").toString())
                    .hasMessageContaining("missing tensor model.layers.0.self_attn.v_proj.bias");
        }
    }
}
