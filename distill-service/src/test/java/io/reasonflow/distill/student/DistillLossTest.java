package io.reasonflow.distill.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tensor.GradMode;
import io.reasonflow.model.tensor.OwnedArrays;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.training.SequenceBatch;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DistillLossTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** A 50-token prompt followed by a 200-token assistant turn trains on exactly those 200 tokens. */
    @Test
    void lossCoversTwoHundredCompletionTokens() {
        int[] prompt = randomTokens(50, 1, true);
        int[] completion = randomTokens(200, 2, false);
        try (PolicyModel model = PolicyModel.initialize(ModelConfig.tiny(TOKENIZER.vocabSize()), 3);
                DistillLoss loss = new DistillLoss(manager, 0.0, 1.0);
                SequenceBatch batch = new SequenceBatch(manager, List.of(prompt), List.of(completion),
                        TOKENIZER.padId(), 512);
                GradMode.Scope noGrad = GradMode.disabled()) {
            NDArray logits = model.forward(batch.inputIds(), batch.attentionMask()); // [1,250,V]
            DistillLoss.Result result = loss.compute(logits, null, batch.inputIds(), batch.completionMask());

            assertThat(result.tokens()).isEqualTo(200);
            // Position t predicts token t+1; the completion is tokens 50..249, so positions 49..248 count.
            float[] values = logits.toFloatArray();
            long[] ids = batch.inputIds().toLongArray();
            int vocab = TOKENIZER.vocabSize();
            double sum = 0;
            for (int t = 49; t <= 248; t++) {
                double[] row = new double[vocab];
                for (int v = 0; v < vocab; v++) {
                    row[v] = values[t * vocab + v];
                }
                sum += logSoftmax(row)[(int) ids[t + 1]];
            }
            assertThat(result.crossEntropy()).isCloseTo(-sum / 200, within(1e-4));
            assertThat((double) result.loss().getFloat()).isCloseTo(result.crossEntropy(), within(1e-6));
        }
    }

    @Test
    void paddedRowsCountOnlyCompletionTokens() {
        try (PolicyModel model = PolicyModel.initialize(ModelConfig.tiny(TOKENIZER.vocabSize()), 3);
                DistillLoss loss = new DistillLoss(manager, 0.0, 1.0);
                SequenceBatch batch = new SequenceBatch(manager,
                        List.of(randomTokens(50, 4, true), randomTokens(7, 5, true)),
                        List.of(randomTokens(200, 6, false), randomTokens(30, 7, false)), TOKENIZER.padId(), 512);
                GradMode.Scope noGrad = GradMode.disabled()) {
            NDArray logits = model.forward(batch.inputIds(), batch.attentionMask());
            assertThat(loss.compute(logits, null, batch.inputIds(), batch.completionMask()).tokens()).isEqualTo(230);
        }
    }

    @Test
    void klOfTwoTokenExampleMatchesHandComputation() {
        // Teacher p = softmax(0, 0) = (1/2, 1/2), student q = softmax(0, ln 3) = (1/4, 3/4), T = 1:
        // KL(p || q) = 1/2 ln((1/2)/(1/4)) + 1/2 ln((1/2)/(3/4)) = 1/2 ln(4/3) = 0.1438410362.
        // CE of the next token (id 1) under q is -ln(3/4) = 0.2876820725, and w = 1/2 gives
        // loss = 1/2 * 0.2876820725 + 1/2 * 1 * 0.1438410362 = 0.2157615543.
        NDArray student = array(new float[] {0f, (float) Math.log(3), 5f, 5f}, new Shape(1, 2, 2));
        NDArray teacher = array(new float[] {0f, 0f, 1f, -1f}, new Shape(1, 2, 2));
        NDArray ids = OwnedArrays.of(manager, new long[] {0, 1}, new Shape(1, 2));
        NDArray mask = array(new float[] {1f}, new Shape(1, 1));
        try (DistillLoss loss = new DistillLoss(manager, 0.5, 1.0)) {
            DistillLoss.Result result = loss.compute(student, teacher, ids, mask);
            assertThat(result.kl()).isCloseTo(0.1438410362, within(1e-6));
            assertThat(result.crossEntropy()).isCloseTo(0.2876820725, within(1e-6));
            assertThat((double) result.loss().getFloat()).isCloseTo(0.2157615543, within(1e-6));
        }
    }

    @Test
    void klAtTemperatureMatchesReference() {
        float[] student = {1f, 2f, 0.5f, 0.3f, -1f, 2f, 9f, 9f, 9f};
        float[] teacher = {2f, 0f, 1f, 1f, 1f, 1.5f, -3f, 0f, 3f};
        long[] ids = {0, 2, 1};
        float[] mask = {0f, 1f};
        double weight = 0.25;
        double temperature = 2.0;
        // Only position 1 counts: it predicts token ids[2] = 1.
        double[] s1 = {0.3, -1, 2};
        double[] t1 = {1, 1, 1.5};
        double crossEntropy = -logSoftmax(s1)[1];
        double kl = kl(scale(t1, 1 / temperature), scale(s1, 1 / temperature));
        double expected = (1 - weight) * crossEntropy + weight * temperature * temperature * kl;
        try (DistillLoss loss = new DistillLoss(manager, weight, temperature)) {
            DistillLoss.Result result = loss.compute(array(student, new Shape(1, 3, 3)),
                    array(teacher, new Shape(1, 3, 3)), OwnedArrays.of(manager, ids, new Shape(1, 3)),
                    array(mask, new Shape(1, 2)));
            assertThat(result.tokens()).isEqualTo(1);
            assertThat(result.crossEntropy()).isCloseTo(crossEntropy, within(1e-5));
            assertThat(result.kl()).isCloseTo(kl, within(1e-5));
            assertThat((double) result.loss().getFloat()).isCloseTo(expected, within(1e-5));
        }
    }

    @Test
    void klGradientIsTemperatureTimesProbabilityGap() {
        // d/ds [T^2 KL(p_T || q_T)] = T (q_T - p_T) at each counted position, and 0 elsewhere.
        double temperature = 2.0;
        float[] studentValues = {0.5f, -1f, 2f, 1f, 1f, 1f};
        float[] teacherValues = {2f, 0f, -1f, 3f, 3f, 3f};
        NDArray student = array(studentValues, new Shape(1, 2, 3));
        student.setRequiresGradient(true);
        NDArray teacher = array(teacherValues, new Shape(1, 2, 3));
        NDArray ids = OwnedArrays.of(manager, new long[] {0, 2}, new Shape(1, 2));
        NDArray mask = array(new float[] {1f}, new Shape(1, 1));
        float[] gradient;
        try (DistillLoss loss = new DistillLoss(manager, 1.0, temperature);
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(loss.compute(student, teacher, ids, mask).loss());
            try (NDArray grad = student.getGradient()) {
                gradient = grad.toFloatArray();
            }
        }
        double[] q = softmax(scale(new double[] {0.5, -1, 2}, 1 / temperature));
        double[] p = softmax(scale(new double[] {2, 0, -1}, 1 / temperature));
        for (int v = 0; v < 3; v++) {
            assertThat((double) gradient[v]).as("gradient of logit %d", v)
                    .isCloseTo(temperature * (q[v] - p[v]), within(1e-5));
            assertThat((double) gradient[3 + v]).as("gradient at the last position, which predicts nothing")
                    .isZero();
        }
    }

    @Test
    void gradientsSameWhenGarbageCollectedBeforeBackward() throws InterruptedException {
        List<int[]> prompts = List.of(randomTokens(12, 8, true), randomTokens(9, 9, true));
        List<int[]> completions = List.of(randomTokens(20, 10, false), randomTokens(25, 11, false));
        try (PolicyModel student = PolicyModel.initialize(ModelConfig.tiny(TOKENIZER.vocabSize()), 12);
                PolicyModel teacher = PolicyModel.initialize(ModelConfig.tiny(TOKENIZER.vocabSize()), 13);
                DistillLoss loss = new DistillLoss(student.manager(), 0.3, 2.0)) {
            Map<String, float[]> plain = gradients(student, teacher, loss, prompts, completions, false);
            Map<String, float[]> collected = gradients(student, teacher, loss, prompts, completions, true);
            assertThat(collected.keySet()).isEqualTo(plain.keySet());
            for (String name : plain.keySet()) {
                float[] expected = plain.get(name);
                float[] actual = collected.get(name);
                double largest = 0;
                for (int i = 0; i < expected.length; i++) {
                    largest = Math.max(largest, Math.abs(expected[i] - actual[i]));
                }
                assertThat(largest).as("largest gradient difference of %s", name).isLessThanOrEqualTo(1e-7);
            }
            assertThat(plain.values().stream().anyMatch(values -> maxAbs(values) > 0)).isTrue();
        }
    }

    @Test
    void emptyMaskRejected() {
        NDArray logits = array(new float[12], new Shape(1, 3, 4));
        NDArray ids = OwnedArrays.of(manager, new long[] {0, 1, 2}, new Shape(1, 3));
        NDArray mask = array(new float[2], new Shape(1, 2));
        try (DistillLoss loss = new DistillLoss(manager, 0.0, 1.0)) {
            assertThatThrownBy(() -> loss.compute(logits, null, ids, mask))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("completion mask");
        }
    }

    @Test
    void missingTeacherLogitsRejected() {
        NDArray logits = array(new float[12], new Shape(1, 3, 4));
        NDArray ids = OwnedArrays.of(manager, new long[] {0, 1, 2}, new Shape(1, 3));
        NDArray mask = array(new float[] {1f, 1f}, new Shape(1, 2));
        try (DistillLoss loss = new DistillLoss(manager, 0.5, 1.0)) {
            assertThatThrownBy(() -> loss.compute(logits, null, ids, mask)).hasMessageContaining("no teacher logits");
        }
    }

    /**
     * Runs forward, loss and backward once and copies every parameter gradient; with {@code collectGarbage} the
     * garbage collector runs between the loss and backward.
     */
    private Map<String, float[]> gradients(PolicyModel student, PolicyModel teacher, DistillLoss loss,
            List<int[]> prompts, List<int[]> completions, boolean collectGarbage) throws InterruptedException {
        student.setTrainable(true);
        try (NDManager scope = student.manager().newSubManager();
                SequenceBatch batch = new SequenceBatch(scope, prompts, completions, TOKENIZER.padId(), 512)) {
            NDArray teacherLogits;
            try (GradMode.Scope noGrad = GradMode.disabled()) {
                teacherLogits = teacher.forward(batch.inputIds(), batch.attentionMask());
            }
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = student.forward(batch.inputIds(), batch.attentionMask());
                NDArray value = loss.compute(logits, teacherLogits, batch.inputIds(), batch.completionMask()).loss();
                if (collectGarbage) {
                    List<byte[]> garbage = new ArrayList<>();
                    for (int i = 0; i < 64; i++) {
                        garbage.add(new byte[1 << 20]);
                    }
                    garbage.clear();
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                        Thread.sleep(50);
                    }
                }
                collector.backward(value);
            }
            Map<String, float[]> gradients = new java.util.TreeMap<>();
            for (Map.Entry<String, NDArray> parameter : student.parameters().entrySet()) {
                try (NDArray gradient = parameter.getValue().getGradient()) {
                    gradients.put(parameter.getKey(), gradient.toFloatArray());
                }
            }
            student.zeroGradients();
            return gradients;
        } finally {
            student.setTrainable(false);
        }
    }

    private NDArray array(float[] values, Shape shape) {
        return OwnedArrays.of(manager, values, shape);
    }

    private static int[] randomTokens(int count, long seed, boolean withBos) {
        Random random = new Random(seed);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = random.nextInt(256);
        }
        if (withBos) {
            ids[0] = TOKENIZER.bosId();
        }
        return ids;
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }

    private static double[] scale(double[] values, double factor) {
        double[] scaled = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            scaled[i] = values[i] * factor;
        }
        return scaled;
    }

    private static double[] logSoftmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        for (double logit : logits) {
            sum += Math.exp(logit - max);
        }
        double[] result = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            result[i] = logits[i] - max - Math.log(sum);
        }
        return result;
    }

    private static double[] softmax(double[] logits) {
        double[] log = logSoftmax(logits);
        double[] result = new double[log.length];
        for (int i = 0; i < log.length; i++) {
            result[i] = Math.exp(log[i]);
        }
        return result;
    }

    /** KL(p || q) of the softmax distributions of two logit vectors. */
    private static double kl(double[] pLogits, double[] qLogits) {
        double[] logP = logSoftmax(pLogits);
        double[] logQ = logSoftmax(qLogits);
        double sum = 0;
        for (int i = 0; i < logP.length; i++) {
            sum += Math.exp(logP[i]) * (logP[i] - logQ[i]);
        }
        return sum;
    }
}
