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
        assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"llama\"", "\"mistral\"")))
                .hasMessageContaining("model_type is \"mistral\", expected one of \"llama\", \"qwen2\"");
        assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"head_dim\" : 16", "\"head_dim\" : 8")))
                .hasMessageContaining("head_dim is 8");
        assertThatThrownBy(() -> ModelConfig.fromJson("not json"))
                .hasMessageContaining("invalid config.json");
    }

    private static final String QWEN2_JSON = """
            {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": [151645, 151643], "hidden_act": "silu", "hidden_size": 64,
             "initializer_range": 0.02, "intermediate_size": 160, "max_position_embeddings": 256,
             "max_window_layers": 2, "model_type": "qwen2", "num_attention_heads": 4, "num_hidden_layers": 2,
             "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000.0,
             "sliding_window": 256, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
             "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}
            """;

    @Test
    void readsQwen2Config() {
        ModelConfig config = ModelConfig.fromJson(QWEN2_JSON);
        assertThat(config.family()).isEqualTo(ModelFamily.QWEN2);
        assertThat(config.modelType()).isEqualTo("qwen2");
        assertThat(config.architectures()).containsExactly("Qwen2ForCausalLM");
        assertThat(config.hasQueryKeyValueBias()).isTrue();
        assertThat(config.hasOutputBias()).isFalse();
        assertThat(config.eosTokenIds()).containsExactly(151645, 151643);
        assertThat(config.eosTokenId()).isEqualTo(151645);
        assertThat(config.padTokenId()).isNull();
        assertThat(config.ropeTheta()).isEqualTo(1_000_000.0);
        String written = config.toJson();
        assertThat(written).contains("\"model_type\" : \"qwen2\"", "\"Qwen2ForCausalLM\"",
                "\"use_sliding_window\" : false").doesNotContain("attention_bias");
        assertThat(written.replaceAll("\\s", "")).contains("\"eos_token_id\":[151645,151643]");
        assertThat(ModelConfig.fromJson(written)).isEqualTo(config);
    }

    @Test
    void llamaBiasAndPadRoundTrip() {
        ModelConfig config = ModelConfig.tiny(259).withAttentionBias(true).withSpecialTokens(List.of(257, 255), 258);
        String json = config.toJson();
        assertThat(json).contains("\"attention_bias\" : true", "\"pad_token_id\" : 258");
        ModelConfig read = ModelConfig.fromJson(json);
        assertThat(read).isEqualTo(config);
        assertThat(read.hasOutputBias()).isTrue();
        assertThat(ModelConfig.fromJson(ModelConfig.tiny(259).toJson()).padTokenId()).isNull();
    }

    @Test
    void rejectsInconsistentFamilyFields() {
        assertThatThrownBy(() -> ModelConfig.fromJson(QWEN2_JSON.replace("Qwen2ForCausalLM", "LlamaForCausalLM")))
                .hasMessageContaining("architectures is [LlamaForCausalLM], but model_type is \"qwen2\"");
        String noBias = QWEN2_JSON.replace("\"use_cache\"", "\"attention_bias\": false, \"x\"");
        assertThatThrownBy(() -> ModelConfig.fromJson(noBias))
                .hasMessageContaining("attention_bias is false, but model_type \"qwen2\"");
        assertThatThrownBy(() -> ModelConfig.fromJson(QWEN2_JSON.replace("\"use_sliding_window\": false",
                "\"use_sliding_window\": true")))
                .hasMessageContaining("use_sliding_window is true");
        assertThatThrownBy(() -> ModelConfig.fromJson(QWEN2_JSON.replace("[151645, 151643]", "[151645, 200000]")))
                .hasMessageContaining("eos_token_id is 200000, expected 0 <= id < vocab_size = 151936");
        assertThatThrownBy(() -> ModelConfig.fromJson(QWEN2_JSON.replace("[151645, 151643]", "[]")))
                .hasMessageContaining("eos_token_id is []");
        String quotedWidth = QWEN2_JSON.replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"");
        assertThatThrownBy(() -> ModelConfig.fromJson(quotedWidth))
                .hasMessageContaining("hidden_size is \"64\", expected an integer");
        assertThatThrownBy(() -> ModelConfig.fromJson(QWEN2_JSON.replace("\"rope_scaling\": null",
                "\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}")))
                .hasMessageContaining("rope_scaling is");
        String llama = ModelConfig.tiny(259).toJson();
        assertThatThrownBy(() -> ModelConfig.fromJson(llama.replace("\"mlp_bias\" : false", "\"mlp_bias\" : true")))
                .hasMessageContaining("mlp_bias is true");
        assertThatThrownBy(() -> ModelConfig.tiny(259).withFamily(ModelFamily.QWEN2).withAttentionBias(false))
                .hasMessageContaining("attention_bias is false");
    }

    @Test
    void parameterCountOfTinyConfig() {
        ModelConfig config = ModelConfig.tiny(259);
        // embed 259*64 + 2 layers * (q 64*64 + k,v 2*32*64 + o 64*64 + mlp 3*64*172 + norms 2*64) + final norm 64
        long layer = 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 172 + 2 * 64;
        assertThat(config.parameterCount()).isEqualTo(259L * 64 + 2 * layer + 64);
        assertThat(config.architectures()).isEqualTo(List.of("LlamaForCausalLM"));
        // Qwen2 adds q (64), k and v (2 * 32) biases per layer.
        assertThat(config.withFamily(ModelFamily.QWEN2).parameterCount())
                .isEqualTo(config.parameterCount() + 2 * (64 + 2 * 32));
    }
}
