package io.reasonflow.model.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.ModelFamily;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Completion log-probs and entropies of a padded batch, checked against plain-Java sums over the logits. */
class TokenScoresTest {
    private static final int EOS = 38;
    private static final ModelConfig CONFIG = new ModelConfig(40, 32, 2, 4, 2, 48, 64, 10_000.0, 1e-5, true, 37, EOS)
            .withFamily(ModelFamily.QWEN2);
    private static final List<int[]> PROMPTS = List.of(new int[] {37, 3, 4}, new int[] {37, 9});
    /** Row 0 ends at its EOS and is right-padded with EOS; row 1 never ends. */
    private static final List<int[]> COMPLETIONS = List.of(new int[] {5, 6, EOS, EOS, EOS}, new int[] {7, 8, 9, 10});

    private static NDManager manager;
    private static PolicyModel model;

    @BeforeAll
    static void createModel() {
        manager = NDManager.newBaseManager();
        // Larger weights than initialization gives, so the distributions are far from uniform.
        try (PolicyModel initial = PolicyModel.initialize(CONFIG, 31)) {
            model = initial.copy();
        }
        model.parameters().forEach((name, parameter) -> {
            if (!name.endsWith("norm.weight")) {
                parameter.muli(model.scalars().of(20f));
            }
        });
    }

    @AfterAll
    static void closeModel() {
        model.close();
        manager.close();
    }

    private static SequenceBatch batch() {
        return new SequenceBatch(manager, PROMPTS, COMPLETIONS, EOS, 64, Set.of(EOS));
    }

    @Test
    void scoresMatchLogits() {
        float inverseTemperature = 1 / 0.7f;
        try (SequenceBatch batch = batch();
                NDArray logits = model.forward(batch.inputIds(), batch.attentionMask());
                TokenLogProbs.Scores scores = TokenLogProbs.computeWithEntropy(model, batch,
                        model.scalars().of(inverseTemperature))) {
            int time = batch.length();
            int vocab = CONFIG.vocabSize();
            float[] flatLogits = logits.toFloatArray();
            long[] ids = batch.inputIds().toLongArray();
            float[] logProbs = scores.logProbs().toFloatArray();
            float[] entropy = scores.entropy().toFloatArray();
            double largestEntropy = 0;
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < time - 1; t++) {
                    double[] logP = logSoftmax(flatLogits, (b * time + t) * vocab, vocab, inverseTemperature);
                    double expectedEntropy = 0;
                    for (double value : logP) {
                        expectedEntropy -= Math.exp(value) * value;
                    }
                    int index = b * (time - 1) + t;
                    assertThat((double) logProbs[index]).isCloseTo(logP[(int) ids[b * time + t + 1]], within(1e-4));
                    assertThat((double) entropy[index]).isCloseTo(expectedEntropy, within(1e-4));
                    largestEntropy = Math.max(largestEntropy, expectedEntropy);
                }
            }
            // Sanity: the scaled weights give distributions well away from uniform (log 40 = 3.69).
            assertThat(largestEntropy).isLessThan(Math.log(vocab) - 0.1);
        }
    }

    private static double[] logSoftmax(float[] logits, int offset, int vocab, float inverseTemperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v] * (double) inverseTemperature);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += Math.exp(logits[offset + v] * (double) inverseTemperature - max);
        }
        double[] out = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            out[v] = logits[offset + v] * (double) inverseTemperature - max - Math.log(sum);
        }
        return out;
    }

    @Test
    void tokensAfterEosChangeNothing() {
        List<int[]> cut = List.of(new int[] {5, 6, EOS}, COMPLETIONS.get(1));
        try (SequenceBatch padded = batch();
                SequenceBatch exact = new SequenceBatch(manager, PROMPTS, cut, EOS, 64);
                NDArray paddedLoss = SftLoss.compute(model, padded);
                NDArray exactLoss = SftLoss.compute(model, exact);
                NDArray paddedLogProbs = TokenLogProbs.compute(model, padded, model.scalars().of(1f));
                NDArray exactLogProbs = TokenLogProbs.compute(model, exact, model.scalars().of(1f))) {
            assertThat(padded.completionTokenCount()).isEqualTo(exact.completionTokenCount()).isEqualTo(7);
            assertThat(paddedLoss.getFloat()).isCloseTo(exactLoss.getFloat(), within(1e-5f));
            List<float[]> kept = padded.completionValues(paddedLogProbs);
            List<float[]> reference = exact.completionValues(exactLogProbs);
            for (int row = 0; row < 2; row++) {
                for (int i = 0; i < padded.keptLength(row); i++) {
                    assertThat(kept.get(row)[i]).isCloseTo(reference.get(row)[i], within(1e-5f));
                }
            }
        }
    }

    @Test
    void entropyGradientsSurviveGc() {
        try (PolicyModel trainable = model.copy(); SequenceBatch batch = batch()) {
            trainable.setTrainable(true);
            Map<String, float[]> plain = entropyGradients(trainable, batch, false);
            trainable.zeroGradients();
            Map<String, float[]> collected = entropyGradients(trainable, batch, true);
            for (String name : plain.keySet()) {
                assertThat(collected.get(name)).as(name).containsExactly(plain.get(name), within(1e-6f));
            }
            float[] queryBias = plain.get("model.layers.0.self_attn.q_proj.bias");
            assertThat(queryBias).isNotEqualTo(new float[queryBias.length]);
            for (float[] gradient : plain.values()) {
                for (float value : gradient) {
                    assertThat(value).isFinite();
                }
            }
        }
    }

    /** Back-propagates the masked mean entropy and returns the gradients. */
    @SuppressWarnings({"removal", "deprecation"})
    private static Map<String, float[]> entropyGradients(PolicyModel trainable, SequenceBatch batch,
            boolean collectGarbage) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector();
                TokenLogProbs.Scores scores = TokenLogProbs.computeWithEntropy(trainable, batch,
                        trainable.scalars().of(1 / 0.7f));
                NDArray loss = scores.entropy().mul(batch.completionMask()).sum()) {
            if (collectGarbage) {
                System.gc();
                System.runFinalization();
                try (NDManager scratch = manager.newSubManager()) {
                    for (int i = 0; i < 100; i++) {
                        scratch.create(new float[] {1e6f, -1e6f, 1e6f, -1e6f});
                    }
                }
            }
            collector.backward(loss);
        }
        Map<String, float[]> gradients = new LinkedHashMap<>();
        trainable.parameters().forEach((name, parameter) -> {
            try (NDArray gradient = parameter.getGradient()) {
                gradients.put(name, gradient.toFloatArray());
            }
        });
        return gradients;
    }
}
