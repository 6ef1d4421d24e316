package io.reasonflow.model.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.ModelFamily;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PolicyModelForwardTest {
    /** Grouped-query attention (4 query heads over 2 key/value heads), tied head. */
    private static final ModelConfig GROUPED = new ModelConfig(40, 32, 2, 4, 2, 48, 64, 10_000.0, 1e-5, true, 37, 38);
    /** One key/value head shared by all query heads, untied head, a different RoPE base. */
    private static final ModelConfig UNTIED = new ModelConfig(40, 32, 2, 4, 1, 40, 64, 500.0, 1e-6, false, 37, 38);

    /** Qwen2: grouped queries, q/k/v biases, tied head. */
    private static final ModelConfig QWEN2 = GROUPED.withFamily(ModelFamily.QWEN2);
    /** Llama with attention_bias: q/k/v/o biases, untied head. */
    private static final ModelConfig LLAMA_BIASED = UNTIED.withAttentionBias(true);

    private static NDManager manager;

    @BeforeAll
    static void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }

    private static Map<String, float[]> weights(PolicyModel model) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        model.parameters().forEach((name, array) -> weights.put(name, array.toFloatArray()));
        return weights;
    }

    private static float[][][] forward(PolicyModel model, long[][] ids, long[][] mask) {
        int batch = ids.length;
        int time = ids[0].length;
        long[] flatIds = new long[batch * time];
        long[] flatMask = new long[batch * time];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ids[b], 0, flatIds, b * time, time);
            System.arraycopy(mask[b], 0, flatMask, b * time, time);
        }
        try (NDManager call = manager.newSubManager()) {
            NDArray logits = model.forward(call.create(flatIds, new Shape(batch, time)),
                    call.create(flatMask, new Shape(batch, time)));
            assertThat(logits.getShape()).isEqualTo(new Shape(batch, time, model.config().vocabSize()));
            assertThat(logits.getDataType()).isEqualTo(DataType.FLOAT32);
            return unflatten(logits.toFloatArray(), batch, time, model.config().vocabSize());
        }
    }

    static float[][][] unflatten(float[] flat, int batch, int time, int vocab) {
        float[][][] out = new float[batch][time][vocab];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                System.arraycopy(flat, (b * time + t) * vocab, out[b][t], 0, vocab);
            }
        }
        return out;
    }

    /** Overwrites every bias with values from N(0, 0.5^2), since initialization leaves them at zero. */
    private static void randomizeBiases(PolicyModel model, long seed) {
        Random random = new Random(seed);
        for (Map.Entry<String, NDArray> entry : model.parameters().entrySet()) {
            if (ParameterLayout.isBias(entry.getKey())) {
                float[] values = new float[Math.toIntExact(entry.getValue().size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextGaussian() * 0.5f;
                }
                entry.getValue().set(values);
            }
        }
    }

    private static void assertMatchesReference(ModelConfig config, long seed) {
        try (PolicyModel model = PolicyModel.initialize(config, seed)) {
            randomizeBiases(model, seed);
            ReferenceForward reference = new ReferenceForward(config, weights(model));
            int[] tokens = {1, 5, 9, 2, 33, 7, 0, 39};
            double[][] expected = reference.logits(tokens);
            long[][] ids = {new long[tokens.length]};
            long[][] mask = {new long[tokens.length]};
            for (int t = 0; t < tokens.length; t++) {
                ids[0][t] = tokens[t];
                mask[0][t] = 1;
            }
            float[][][] actual = forward(model, ids, mask);
            for (int t = 0; t < tokens.length; t++) {
                for (int v = 0; v < config.vocabSize(); v++) {
                    assertThat((double) actual[0][t][v]).as("logit t=%d v=%d", t, v)
                            .isCloseTo(expected[t][v], within(1e-4));
                }
            }
        }
    }

    @Test
    void forwardMatchesReferenceWithGroupedQueries() {
        assertMatchesReference(GROUPED, 11);
    }

    @Test
    void forwardMatchesReferenceWithUntiedHead() {
        assertMatchesReference(UNTIED, 12);
    }

    @Test
    void forwardMatchesReferenceForQwen2() {
        assertMatchesReference(QWEN2, 13);
    }

    @Test
    void forwardMatchesReferenceWithLlamaBias() {
        assertMatchesReference(LLAMA_BIASED, 14);
    }

    @Test
    void biasesChangeReferenceLogits() {
        try (PolicyModel model = PolicyModel.initialize(QWEN2, 13)) {
            randomizeBiases(model, 13);
            Map<String, float[]> withBiases = weights(model);
            Map<String, float[]> withoutBiases = new LinkedHashMap<>(withBiases);
            withoutBiases.keySet().removeIf(ParameterLayout::isBias);
            int[] tokens = {1, 5, 9, 2};
            double[][] biased = new ReferenceForward(QWEN2, withBiases).logits(tokens);
            double[][] unbiased = new ReferenceForward(QWEN2, withoutBiases).logits(tokens);
            double largest = 0;
            for (int t = 0; t < tokens.length; t++) {
                for (int v = 0; v < QWEN2.vocabSize(); v++) {
                    largest = Math.max(largest, Math.abs(biased[t][v] - unbiased[t][v]));
                }
            }
            assertThat(largest).isGreaterThan(1e-2);
        }
    }

    @Test
    void biasNamesFollowHuggingFace() {
        try (PolicyModel qwen = PolicyModel.initialize(QWEN2, 1);
                PolicyModel llama = PolicyModel.initialize(LLAMA_BIASED, 1)) {
            assertThat(qwen.parameters()).containsKeys("model.layers.0.self_attn.q_proj.bias",
                    "model.layers.1.self_attn.k_proj.bias", "model.layers.1.self_attn.v_proj.bias");
            assertThat(qwen.parameters()).doesNotContainKey("model.layers.0.self_attn.o_proj.bias");
            assertThat(qwen.parameters().get("model.layers.0.self_attn.k_proj.bias").getShape())
                    .isEqualTo(new Shape(16));
            assertThat(qwen.parameters().get("model.layers.0.self_attn.q_proj.bias").toFloatArray()).containsOnly(0f);
            assertThat(llama.parameters()).containsKey("model.layers.1.self_attn.o_proj.bias");
            assertThat(qwen.parameterCount()).isEqualTo(QWEN2.parameterCount());
            assertThat(llama.parameterCount()).isEqualTo(LLAMA_BIASED.parameterCount());
        }
    }

    @Test
    void leftPaddingKeepsLogitsOfRealTokens() {
        try (PolicyModel model = PolicyModel.initialize(GROUPED, 3)) {
            long[] tokens = {4, 8, 15, 16, 23};
            float[][][] unpadded = forward(model, new long[][] {tokens}, new long[][] {{1, 1, 1, 1, 1}});
            long[][] ids = {{38, 38, 4, 8, 15, 16, 23}, {1, 2, 3, 4, 5, 6, 7}};
            long[][] mask = {{0, 0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1}};
            float[][][] padded = forward(model, ids, mask);
            for (int t = 0; t < tokens.length; t++) {
                for (int v = 0; v < GROUPED.vocabSize(); v++) {
                    assertThat(padded[0][t + 2][v]).isCloseTo(unpadded[0][t][v], within(1e-5f));
                }
            }
            for (float[] position : padded[0]) {
                for (float logit : position) {
                    assertThat(logit).isFinite();
                }
            }
        }
    }

    @Test
    void kvCacheMatchesFullForward() {
        try (PolicyModel model = PolicyModel.initialize(GROUPED, 5)) {
            long[][] ids = {{38, 38, 4, 8, 15, 16, 23, 42 % 40}, {1, 2, 3, 4, 5, 6, 7, 8}};
            long[][] mask = {{0, 0, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}};
            float[][][] full = forward(model, ids, mask);
            int prefix = 4;
            try (KvCache cache = model.newKvCache(2, 8); NDManager call = manager.newSubManager()) {
                float[][][] incremental = new float[2][8][];
                float[][][] first = cachedStep(model, cache, call, ids, mask, 0, prefix);
                float[][][] second = cachedStep(model, cache, call, ids, mask, prefix, 2);
                float[][][] third = cachedStep(model, cache, call, ids, mask, prefix + 2, 1);
                float[][][] fourth = cachedStep(model, cache, call, ids, mask, prefix + 3, 1);
                for (int b = 0; b < 2; b++) {
                    System.arraycopy(first[b], 0, incremental[b], 0, prefix);
                    System.arraycopy(second[b], 0, incremental[b], prefix, 2);
                    incremental[b][prefix + 2] = third[b][0];
                    incremental[b][prefix + 3] = fourth[b][0];
                }
                assertThat(cache.length()).isEqualTo(8);
                assertThat(cache.realCount(0)).isEqualTo(6);
                for (int b = 0; b < 2; b++) {
                    for (int t = 2; t < 8; t++) {
                        for (int v = 0; v < GROUPED.vocabSize(); v++) {
                            assertThat(incremental[b][t][v]).isCloseTo(full[b][t][v], within(1e-5f));
                        }
                    }
                }
            }
        }
    }

    private static float[][][] cachedStep(PolicyModel model, KvCache cache, NDManager call, long[][] ids,
            long[][] mask, int start, int length) {
        long[] stepIds = new long[2 * length];
        long[] stepMask = new long[2 * length];
        for (int b = 0; b < 2; b++) {
            System.arraycopy(ids[b], start, stepIds, b * length, length);
            System.arraycopy(mask[b], start, stepMask, b * length, length);
        }
        NDArray logits = model.forward(call.create(stepIds, new Shape(2, length)),
                call.create(stepMask, new Shape(2, length)), cache);
        return unflatten(logits.toFloatArray(), 2, length, model.config().vocabSize());
    }

    @Test
    void kvCacheRejectsOverflow() {
        try (PolicyModel model = PolicyModel.initialize(GROUPED, 5);
                KvCache cache = model.newKvCache(1, 2);
                NDManager call = manager.newSubManager()) {
            NDArray ids = call.create(new long[] {1, 2, 3}, new Shape(1, 3));
            assertThatThrownBy(() -> model.forward(ids, call.ones(new Shape(1, 3), DataType.INT64), cache))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no room for 3 more");
        }
    }

    @Test
    void forwardRejectsInvalidInput() {
        try (PolicyModel model = PolicyModel.initialize(GROUPED, 5); NDManager call = manager.newSubManager()) {
            NDArray outOfVocabulary = call.create(new long[] {1, 40}, new Shape(1, 2));
            NDArray mask = call.ones(new Shape(1, 2), DataType.INT64);
            assertThatThrownBy(() -> model.forward(outOfVocabulary, mask))
                    .hasMessageContaining("token id 40 is outside the vocabulary [0, 40)");
            NDArray ids = call.create(new long[] {1, 2}, new Shape(1, 2));
            assertThatThrownBy(() -> model.forward(ids, call.ones(new Shape(1, 3), DataType.INT64)))
                    .hasMessageContaining("same shape");
            NDArray tooLong = call.zeros(new Shape(1, 65), DataType.INT64);
            assertThatThrownBy(() -> model.forward(tooLong, call.ones(new Shape(1, 65), DataType.INT64)))
                    .hasMessageContaining("65 real tokens, more than max_position_embeddings = 64");
        }
    }

    @Test
    void initializationIsSeeded() {
        try (PolicyModel first = PolicyModel.initialize(GROUPED, 9);
                PolicyModel second = PolicyModel.initialize(GROUPED, 9);
                PolicyModel other = PolicyModel.initialize(GROUPED, 10)) {
            String name = "model.layers.1.mlp.up_proj.weight";
            assertThat(first.parameters().get(name).toFloatArray())
                    .containsExactly(second.parameters().get(name).toFloatArray());
            assertThat(first.parameters().get(name).toFloatArray())
                    .isNotEqualTo(other.parameters().get(name).toFloatArray());
            assertThat(first.parameters().get("model.norm.weight").toFloatArray()).containsOnly(1f);
            assertThat(first.parameterCount()).isEqualTo(GROUPED.parameterCount());
        }
    }

    @Test
    void parameterNamesFollowHuggingFace() {
        try (PolicyModel tied = PolicyModel.initialize(GROUPED, 1);
                PolicyModel untied = PolicyModel.initialize(UNTIED, 1)) {
            assertThat(tied.parameters()).containsKeys("model.embed_tokens.weight",
                    "model.layers.1.self_attn.k_proj.weight", "model.layers.0.mlp.gate_proj.weight",
                    "model.layers.0.post_attention_layernorm.weight", "model.norm.weight");
            assertThat(tied.parameters()).doesNotContainKey("lm_head.weight");
            assertThat(untied.parameters()).containsKey("lm_head.weight");
            assertThat(tied.parameters().get("model.layers.0.self_attn.k_proj.weight").getShape())
                    .isEqualTo(new Shape(16, 32));
            assertThat(tied.parameters().get("model.layers.0.mlp.down_proj.weight").getShape())
                    .isEqualTo(new Shape(32, 48));
            assertThat(tied.parameters()).hasSize(2 + 9 * 2);
        }
    }

    @Test
    void copyIsIndependent() {
        try (PolicyModel model = PolicyModel.initialize(GROUPED, 2); PolicyModel copy = model.copy();
                PolicyModel other = PolicyModel.initialize(GROUPED, 3)) {
            String name = "model.embed_tokens.weight";
            float[] original = model.parameters().get(name).toFloatArray();
            model.loadStateFrom(other);
            assertThat(model.parameters().get(name).toFloatArray())
                    .containsExactly(other.parameters().get(name).toFloatArray());
            assertThat(copy.parameters().get(name).toFloatArray()).containsExactly(original);
            assertThat(copy.isTrainable()).isFalse();
        }
    }

    @Test
    void rmsNormOfKnownVector() {
        try (NDManager call = manager.newSubManager()) {
            // mean((1, 2, 3, 4)^2) = 7.5, so y = x / sqrt(7.5 + eps) * w.
            NDArray x = call.create(new float[] {1, 2, 3, 4});
            NDArray weight = call.create(new float[] {1, 1, 2, 0.5f});
            NDArray eps = call.create(1e-5f);
            float[] y = RmsNorm.apply(x, weight, eps).toFloatArray();
            double scale = 1 / Math.sqrt(7.5 + 1e-5);
            assertThat((double) y[0]).isCloseTo(1 * scale, within(1e-6));
            assertThat((double) y[1]).isCloseTo(2 * scale, within(1e-6));
            assertThat((double) y[2]).isCloseTo(6 * scale, within(1e-6));
            assertThat((double) y[3]).isCloseTo(2 * scale, within(1e-6));
            assertThat((double) y[0]).isCloseTo(0.365148, within(1e-5));
        }
    }

    @Test
    void ropeRotatesKnownVectorAtPositionOne() {
        try (NDManager call = manager.newSubManager(); RotaryEmbedding rope = new RotaryEmbedding(call, 4, 10_000)) {
            // E = 4: frequencies 1 and 0.01; pairs are (x0, x2) and (x1, x3).
            NDArray x = call.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 1, 4)); // [B,N,T,E]
            NDArray positions = call.create(new float[] {1}, new Shape(1, 1)); // [B,T]
            float[] y = rope.apply(x, rope.tables(positions)).toFloatArray();
            double c1 = Math.cos(1);
            double s1 = Math.sin(1);
            double c2 = Math.cos(0.01);
            double s2 = Math.sin(0.01);
            assertThat((double) y[0]).isCloseTo(1 * c1 - 3 * s1, within(1e-6));
            assertThat((double) y[1]).isCloseTo(2 * c2 - 4 * s2, within(1e-6));
            assertThat((double) y[2]).isCloseTo(3 * c1 + 1 * s1, within(1e-6));
            assertThat((double) y[3]).isCloseTo(4 * c2 + 2 * s2, within(1e-6));
            assertThat((double) y[0]).isCloseTo(-1.984111, within(1e-5));
            double[] expected = ReferenceForward.rope(new double[] {1, 2, 3, 4}, 1, 10_000);
            for (int i = 0; i < 4; i++) {
                assertThat((double) y[i]).isCloseTo(expected[i], within(1e-6));
            }
        }
    }

    @Test
    void ropeAtPositionZeroIsIdentity() {
        try (NDManager call = manager.newSubManager(); RotaryEmbedding rope = new RotaryEmbedding(call, 4, 10_000)) {
            NDArray x = call.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 1, 4));
            NDArray positions = call.create(new float[] {0}, new Shape(1, 1));
            assertThat(rope.apply(x, rope.tables(positions)).toFloatArray()).containsExactly(1, 2, 3, 4);
        }
    }
}
