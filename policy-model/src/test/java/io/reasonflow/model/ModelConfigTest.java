package io.reasonflow.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    @Test
    void jsonRoundTripUsesHuggingFaceNames() {
        ModelConfig config = ModelConfig.tiny(259);
        String json = config.toJson();
        assertThat(json).contains("\"vocab_size\" : 259", "\"hidden_size\" : 64", "\"num_hidden_layers\" : 2",
                "\"num_attention_heads\" : 4", "\"num_key_value_heads\" : 2", "\"intermediate_size\" : 172",
                "\"max_position_embeddings\" : 512", "\"rope_theta\" : 10000.0", "\"rms_norm_eps\" : 1.0E-5",
                "\"tie_word_embeddings\" : true", "\"bos_token_id\" : 256", "\"eos_token_id\" : 257",
                "\"model_type\" : \"llama\"", "\"LlamaForCausalLM\"", "\"hidden_act\" : \"silu\"",
                "\"head_dim\" : 16");
        assertThat(ModelConfig.fromJson(json)).isEqualTo(config);
    }

    @Test
    void fromJsonAcceptsHuggingFaceConfig() {
        String json = """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 100,
                 "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4,
                 "intermediate_size": 64, "max_position_embeddings": 128, "rope_theta": 500000.0,
                 "rms_norm_eps": 1e-06, "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2,
                 "torch_dtype": "bfloat16", "rope_scaling": null, "initializer_range": 0.02}
                """;
        ModelConfig config = ModelConfig.fromJson(json);
        assertThat(config.numKeyValueHeads()).isEqualTo(4);
        assertThat(config.ropeTheta()).isEqualTo(500_000.0);
        assertThat(config.architectures()).containsExactly("LlamaForCausalLM");
    }

    @Test
    void rejectsInconsistentShapes() {
        assertThatThrownBy(() -> new ModelConfig(10, 30, 1, 4, 2, 8, 16, 1e4, 1e-5, true, 1, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hidden_size 30 is not divisible by num_attention_heads 4");
        assertThatThrownBy(() -> new ModelConfig(10, 32, 1, 4, 3, 8, 16, 1e4, 1e-5, true, 1, 2))
                .hasMessageContaining("num_attention_heads 4 is not divisible by num_key_value_heads 3");
        assertThatThrownBy(() -> new ModelConfig(10, 12, 1, 4, 2, 8, 16, 1e4, 1e-5, true, 1, 2))
                .hasMessageContaining("= 3 is odd");
        assertThatThrownBy(() -> new ModelConfig(10, 32, 0, 4, 2, 8, 16, 1e4, 1e-5, true, 1, 2))
                .hasMessageContaining("num_hidden_layers is 0");
        assertThatThrownBy(() -> new ModelConfig(10, 32, 1, 4, 2, 8, 16, -1, 1e-5, true, 1, 2))
                .hasMessageContaining("rope_theta is -1.0");
        assertThatThrownBy(() -> new ModelConfig(10, 32, 1, 4, 2, 8, 16, 1e4, 1e-5, true, 1, 10))
                .hasMessageContaining("eos_token_id is 10");
    }

    @Test
    void fromJsonRejectsMissingAndUnsupportedFields() {
        assertThatThrownBy(() -> ModelConfig.fromJson("{\"vocab_size\": 10}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hidden_size");
        String json = ModelConfig.tiny(259).toJson();
        assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"silu\"", "\"gelu\"")))
                .hasMessageContaining("hidden_act");
        assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"llama\"", "\"qwen2\"")))
                .hasMessageContaining("model_type is \"qwen2\"");
        assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"head_dim\" : 16", "\"head_dim\" : 8")))
                .hasMessageContaining("head_dim is 8");
        assertThatThrownBy(() -> ModelConfig.fromJson("not json"))
                .hasMessageContaining("invalid config.json");
    }

    @Test
    void parameterCountOfTinyConfig() {
        ModelConfig config = ModelConfig.tiny(259);
        // embed 259*64 + 2 layers * (q 64*64 + k,v 2*32*64 + o 64*64 + mlp 3*64*172 + norms 2*64) + final norm 64
        long layer = 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 172 + 2 * 64;
        assertThat(config.parameterCount()).isEqualTo(259L * 64 + 2 * layer + 64);
        assertThat(config.architectures()).isEqualTo(List.of("LlamaForCausalLM"));
    }
}
