package io.reasonflow.model.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainingTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final ModelConfig CONFIG = ModelConfig.tiny(ByteTokenizer.VOCAB_SIZE);

    private static NDManager manager;

    @BeforeAll
    static void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }

    private static SequenceBatch textBatch(String text, int rows) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            prompts.add(new int[] {TOKENIZER.bosId()});
            completions.add(TOKENIZER.encode(text.substring(i % 3)));
        }
        return new SequenceBatch(manager, prompts, completions, TOKENIZER.padId(), CONFIG.maxPositionEmbeddings());
    }

    /** Runs forward and backward of the SFT loss and returns the loss value. */
    private static float backward(PolicyModel model, SequenceBatch batch, boolean collectGarbage) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector();
                NDArray loss = SftLoss.compute(model, batch)) {
            if (collectGarbage) {
                forceGarbageCollection();
            }
            collector.backward(loss);
            return loss.getFloat();
        }
    }

    @SuppressWarnings({"removal", "deprecation"})
    private static void forceGarbageCollection() {
        for (int i = 0; i < 3; i++) {
            byte[][] garbage = new byte[64][];
            for (int j = 0; j < garbage.length; j++) {
                garbage[j] = new byte[1 << 20];
            }
            System.gc();
            System.runFinalization();
        }
        // Scalar arrays created now would reuse memory freed above if the graph still pointed to it.
        try (NDManager scratch = manager.newSubManager()) {
            for (int i = 0; i < 100; i++) {
                scratch.create(new float[] {1e6f, -1e6f, 1e6f, -1e6f});
            }
        }
    }

    private static Map<String, float[]> gradients(PolicyModel model) {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        model.parameters().forEach((name, parameter) -> {
            try (NDArray gradient = parameter.getGradient()) {
                gradients.put(name, gradient.toFloatArray());
            }
        });
        return gradients;
    }

    @Test
    void sftLossCountsOnlyCompletionTokens() {
        List<int[]> prompt = List.of(new int[] {10, 11, 12, 13, 14});
        List<int[]> completion = List.of(new int[] {20, 21, 22});
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 1);
                SequenceBatch batch = new SequenceBatch(manager, prompt, completion, 258, 512);
                NDArray logProbs = TokenLogProbs.compute(model, batch, model.scalars().of(1f));
                NDArray loss = SftLoss.compute(model, batch)) {
            assertThat(batch.completionTokenCount()).isEqualTo(3);
            assertThat(batch.completionMask().sum().getFloat()).isEqualTo(3f);
            float[] perToken = logProbs.toFloatArray();
            // Positions 4, 5 and 6 predict tokens 20, 21 and 22.
            double expected = -(perToken[4] + perToken[5] + perToken[6]) / 3;
            assertThat((double) loss.getFloat()).isCloseTo(expected, within(1e-5));
            assertThat(loss.getShape().dimension()).isZero();
        }
    }

    @Test
    void tokenLogProbsAreNormalised() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 2);
                SequenceBatch batch = textBatch("abc", 1);
                NDArray logProbs = TokenLogProbs.compute(model, batch, model.scalars().of(1f))) {
            for (float value : logProbs.toFloatArray()) {
                assertThat(value).isNegative();
                // A freshly initialized model is close to uniform over 259 tokens.
                assertThat((double) value).isCloseTo(-Math.log(259), within(0.2));
            }
        }
    }

    @Test
    void gradientsSurviveGarbageCollection() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 3); SequenceBatch batch = textBatch("gc check", 4)) {
            model.setTrainable(true);
            float plainLoss = backward(model, batch, false);
            Map<String, float[]> plain = gradients(model);
            model.zeroGradients();
            float collectedLoss = backward(model, batch, true);
            Map<String, float[]> collected = gradients(model);
            assertThat(collectedLoss).isEqualTo(plainLoss);
            for (String name : plain.keySet()) {
                assertThat(collected.get(name)).as(name).containsExactly(plain.get(name), within(1e-7f));
            }
        }
    }

    @Test
    void adamWStepChangesEveryParameter() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 4);
                SequenceBatch batch = textBatch("one step", 2);
                AdamW optimizer = new AdamW(AdamW.Options.defaults(1e-3))) {
            model.setTrainable(true);
            Map<String, float[]> before = new LinkedHashMap<>();
            model.parameters().forEach((name, parameter) -> before.put(name, parameter.toFloatArray()));
            backward(model, batch, false);
            AdamW.StepResult result = optimizer.step(model);
            assertThat(result.skipped()).isFalse();
            assertThat(result.gradientNorm()).isPositive();
            assertThat(optimizer.stepCount()).isEqualTo(1);
            model.parameters().forEach((name, parameter) ->
                    assertThat(Arrays.equals(parameter.toFloatArray(), before.get(name))).as(name).isFalse());
            for (float[] gradient : gradients(model).values()) {
                assertThat(gradient).containsOnly(0f);
            }
        }
    }

    @Test
    void adamWRejectsModelWithoutGradients() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 4); AdamW optimizer = new AdamW(
                AdamW.Options.defaults(1e-3))) {
            assertThatThrownBy(() -> optimizer.step(model))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("setTrainable(true)");
        }
    }

    @Test
    void sftDrivesLossDownAndStaysFinite() {
        String text = "the cat sat on the mat. the cat sat on the mat. ";
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 5);
                SequenceBatch batch = textBatch(text, 8);
                AdamW optimizer = new AdamW(new AdamW.Options(1e-2, 0.9, 0.99, 1e-8, 0.0, 1.0))) {
            model.setTrainable(true);
            float first = Float.NaN;
            float last = Float.NaN;
            int arraysAfterFirstStep = 0;
            for (int step = 0; step < 60; step++) {
                last = backward(model, batch, false);
                assertThat(last).as("loss at step %d", step).isFinite();
                if (step == 0) {
                    first = last;
                }
                assertThat(optimizer.step(model).skipped()).isFalse();
                if (step == 0) {
                    arraysAfterFirstStep = model.manager().getManagedArrays().size();
                }
            }
            assertThat(model.manager().getManagedArrays()).hasSize(arraysAfterFirstStep);
            assertThat((double) first).isCloseTo(Math.log(259), within(0.3));
            assertThat(last).isLessThan(1f);
            for (NDArray parameter : model.parameters().values()) {
                for (float value : parameter.toFloatArray()) {
                    assertThat(value).isFinite();
                }
            }
        }
    }

    @Test
    void scalarsAreCachedAndSurviveScopes() {
        try (Scalars scalars = new Scalars(manager)) {
            NDArray half;
            try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                half = scalars.of(0.5f);
            }
            assertThat(scalars.of(0.5f)).isSameAs(half);
            assertThat(half.getFloat()).isEqualTo(0.5f);
            assertThat(half.getShape().dimension()).isZero();
        }
    }
}
