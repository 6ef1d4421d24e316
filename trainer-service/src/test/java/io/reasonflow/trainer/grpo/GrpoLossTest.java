package io.reasonflow.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GrpoLossTest {

    private static final double TOLERANCE = 1e-5;

    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void largeRatioWithNegativeAdvantage() {
        // objective = min(5 * -1, 1.2 * -1) = -5, so the loss is 5.
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0))) {
            GrpoLossResult result = singleToken(loss, Math.log(5.0), 0.0, -1.0);

            assertThat(loss(result)).isCloseTo(5.0, within(TOLERANCE));
            assertThat(result.clipFractionLow()).isZero();
            assertThat(result.clipFractionHigh()).isZero();
            assertThat(result.meanRatio()).isCloseTo(5.0, within(TOLERANCE));
        }
    }

    @Test
    void dualClipBoundsNegativeAdvantageLoss() {
        // max(-5, 3 * -1) = -3, so the loss is 3.
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0).withDualClip(3.0))) {
            GrpoLossResult result = singleToken(loss, Math.log(5.0), 0.0, -1.0);

            assertThat(loss(result)).isCloseTo(3.0, within(TOLERANCE));
            assertThat(result.dualClipFraction()).isEqualTo(1.0);
        }
    }

    @Test
    void dualClipLeavesPositiveAdvantageAlone() {
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0).withDualClip(3.0))) {
            assertThat(loss(singleToken(loss, Math.log(5.0), 0.0, 1.0))).isCloseTo(-1.2, within(TOLERANCE));
            assertThat(loss(singleToken(loss, Math.log(0.5), 0.0, 1.0))).isCloseTo(-0.5, within(TOLERANCE));
            assertThat(loss(singleToken(loss, Math.log(2.0), 0.0, -1.0))).isCloseTo(2.0, within(TOLERANCE));
        }
    }

    @Test
    void clipHigherObjectives() {
        GrpoLossConfig config = GrpoLossConfig.grpo(0.2, 0.0).withEpsilons(0.2, 0.28);
        try (GrpoLoss loss = new GrpoLoss(manager, config)) {
            GrpoLossResult upClipped = singleToken(loss, Math.log(1.5), 0.0, 1.0);
            GrpoLossResult lowPositive = singleToken(loss, Math.log(0.5), 0.0, 1.0);
            GrpoLossResult downClipped = singleToken(loss, Math.log(0.5), 0.0, -1.0);
            GrpoLossResult highNegative = singleToken(loss, Math.log(1.5), 0.0, -1.0);

            assertThat(-loss(upClipped)).isCloseTo(1.28, within(TOLERANCE));
            assertThat(-loss(lowPositive)).isCloseTo(0.5, within(TOLERANCE));
            assertThat(-loss(downClipped)).isCloseTo(-0.8, within(TOLERANCE));
            assertThat(-loss(highNegative)).isCloseTo(-1.5, within(TOLERANCE));
            assertThat(upClipped.clipFractionHigh()).isEqualTo(1.0);
            assertThat(upClipped.clipFractionLow()).isZero();
            assertThat(downClipped.clipFractionLow()).isEqualTo(1.0);
            assertThat(downClipped.clipFractionHigh()).isZero();
            assertThat(lowPositive.clipFractionLow() + lowPositive.clipFractionHigh()).isZero();
            assertThat(highNegative.clipFractionLow() + highNegative.clipFractionHigh()).isZero();
        }
    }

    @Test
    void clipFractionsOverBatch() {
        GrpoLossConfig config = GrpoLossConfig.grpo(0.2, 0.0).withEpsilons(0.2, 0.28);
        try (GrpoLoss loss = new GrpoLoss(manager, config)) {
            float[][] logProbs = {{log(1.5)}, {log(0.5)}, {log(0.5)}, {log(1.5)}};
            float[] advantages = {1f, 1f, -1f, -1f};

            GrpoLossResult result = loss.compute(array(logProbs), zeros(4, 1), array(logProbs),
                    manager.create(advantages), ones(4, 1));

            // Objectives 1.28, 0.5, -0.8 and -1.5 average to -0.13.
            assertThat(loss(result)).isCloseTo(0.13, within(TOLERANCE));
            assertThat(result.clipFractionHigh()).isEqualTo(0.25);
            assertThat(result.clipFractionLow()).isEqualTo(0.25);
            assertThat(result.meanRatio()).isCloseTo(1.0, within(TOLERANCE));
            assertThat(result.tokenCount()).isEqualTo(4);
        }
    }

    @Test
    void equalEpsilonsReduceToPlainGrpo() {
        try (GrpoLoss symmetric = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0));
                GrpoLoss clipHigher = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0).withEpsilons(0.2, 0.2))) {
            for (double ratio : new double[] {0.5, 0.9, 1.0, 1.1, 1.5}) {
                for (double advantage : new double[] {-1.0, 1.0}) {
                    double plain = loss(singleToken(symmetric, Math.log(ratio), 0.0, advantage));
                    double higher = loss(singleToken(clipHigher, Math.log(ratio), 0.0, advantage));
                    assertThat(higher).as("ratio %s, advantage %s", ratio, advantage).isEqualTo(plain);
                }
            }
            assertThat(-loss(singleToken(symmetric, Math.log(1.5), 0.0, 1.0))).isCloseTo(1.2, within(TOLERANCE));
        }
    }

    @Test
    void k3OfOneNatLogRatio() {
        // logp = -1, ref = -2: k3 = e^(-1) - (-1) - 1 = 0.36788.
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 1.0))) {
            GrpoLossResult result = loss.compute(array(new float[][] {{-1f}}), array(new float[][] {{-1f}}),
                    array(new float[][] {{-2f}}), manager.create(new float[] {0f}), ones(1, 1));

            assertThat(result.kl()).isCloseTo(Math.exp(-1.0), within(TOLERANCE));
            assertThat(result.kl()).isCloseTo(0.368, within(1e-3));
            assertThat(loss(result)).isCloseTo(0.368, within(1e-3));
            assertThat(result.policyLoss()).isZero();
        }
    }

    @Test
    void totalAddsBetaTimesKl() {
        // Policy loss 0.5 (A = -0.5 at ratio 1) plus beta 0.1 times KL 0.2 gives 0.52.
        double logRatio = k3Root(0.2);
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.1))) {
            GrpoLossResult result = loss.compute(array(new float[][] {{-1f}}), array(new float[][] {{-1f}}),
                    array(new float[][] {{(float) (-1.0 + logRatio)}}), manager.create(new float[] {-0.5f}),
                    ones(1, 1));

            assertThat(result.policyLoss()).isCloseTo(0.5, within(TOLERANCE));
            assertThat(result.kl()).isCloseTo(0.2, within(TOLERANCE));
            assertThat(loss(result)).isCloseTo(0.52, within(TOLERANCE));
        }
    }

    @Test
    void lossEqualsPolicyLossPlusBetaKl() {
        GrpoLossConfig config = GrpoLossConfig.grpo(0.2, 0.04).withEpsilons(0.2, 0.28).withDualClip(3.0);
        try (GrpoLoss loss = new GrpoLoss(manager, config)) {
            Batch batch = Batch.random(new Random(5), 4, 6);

            GrpoLossResult result = batch.compute(manager, loss);

            assertThat(loss(result)).isCloseTo(result.policyLoss() + 0.04 * result.kl(), within(TOLERANCE));
        }
    }

    @Test
    void sequenceMeanAndTokenMeanDiffer() {
        // Ratio 1 and beta 0 make the per-token loss -A: row 0 has two tokens of -1, row 1 one of 2.
        float[][] logProbs = {{-1f, -1f}, {-1f, -1f}};
        float[][] mask = {{1f, 1f}, {1f, 0f}};
        float[] advantages = {1f, -2f};
        try (GrpoLoss sequenceMean = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0));
                GrpoLoss tokenMean = new GrpoLoss(manager,
                        GrpoLossConfig.grpo(0.2, 0.0).withAggregation(new TokenMean()))) {
            GrpoLossResult perSequence = sequenceMean.compute(array(logProbs), array(logProbs), array(logProbs),
                    manager.create(advantages), array(mask));
            GrpoLossResult perToken = tokenMean.compute(array(logProbs), array(logProbs), array(logProbs),
                    manager.create(advantages), array(mask));

            // ((-1 - 1) / 2 + 2 / 1) / 2 = 0.5 and (-1 - 1 + 2) / 3 = 0.
            assertThat(loss(perSequence)).isCloseTo(0.5, within(TOLERANCE));
            assertThat(loss(perToken)).isCloseTo(0.0, within(TOLERANCE));
            assertThat(perSequence.tokenCount()).isEqualTo(3);
        }
    }

    @Test
    void emptyMaskGivesZeroLossAndGradient() {
        for (LossAggregation aggregation : List.of(new SequenceMean(), new TokenMean(), new ConstantNormaliser(4))) {
            try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.1).withAggregation(aggregation))) {
                NDArray logProbs = array(new float[][] {{-1f, -2f}});
                logProbs.setRequiresGradient(true);
                float[] gradient;
                GrpoLossResult result;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    result = loss.compute(logProbs, zeros(1, 2), zeros(1, 2), manager.create(new float[] {1f}),
                            zeros(1, 2));
                    collector.backward(result.loss());
                    gradient = logProbs.getGradient().toFloatArray();
                }

                assertThat(loss(result)).as(aggregation.toString()).isEqualTo(0.0);
                assertThat(gradient).as(aggregation.toString()).containsExactly(0f, 0f);
                assertThat(result.tokenCount()).isZero();
                assertThat(result.kl()).isZero();
                assertThat(result.clipFractionHigh()).isZero();
            }
        }
    }

    @Test
    void paddingRowIsLeftOutOfSequenceMean() {
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0))) {
            float[][] logProbs = {{-1f, -1f}, {-1f, -1f}};
            GrpoLossResult result = loss.compute(array(logProbs), array(logProbs), array(logProbs),
                    manager.create(new float[] {1f, 5f}), array(new float[][] {{1f, 1f}, {0f, 0f}}));

            assertThat(loss(result)).isCloseTo(-1.0, within(TOLERANCE));
        }
    }

    @Test
    void infinitePaddingStaysOutOfLossAndGradient() {
        float inf = Float.NEGATIVE_INFINITY;
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.1))) {
            NDArray logProbs = array(new float[][] {{-1f, inf}});
            logProbs.setRequiresGradient(true);
            float[] gradient;
            GrpoLossResult result;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                result = loss.compute(logProbs, array(new float[][] {{-1f, inf}}), array(new float[][] {{-1f, inf}}),
                        manager.create(new float[] {1f}), array(new float[][] {{1f, 0f}}));
                collector.backward(result.loss());
                gradient = logProbs.getGradient().toFloatArray();
            }

            assertThat(loss(result)).isCloseTo(-1.0, within(TOLERANCE));
            assertThat(gradient[0]).isCloseTo(-1f, within(1e-5f));
            assertThat(gradient[1]).isEqualTo(0f);
        }
    }

    @Test
    void gradientsMatchHandDerivation() {
        // Row of three tokens, mask [1, 1, 0], A = 1, beta = 0.5:
        // token 0 at ratio 1 is unclipped, d(-r * A)/dlogp = -1, and its k3 term (ref = logp - 1)
        // adds beta * (1 - e^(-1)) = 0.31606. Token 1 at ratio 1.5 is clipped, so only its k3
        // term (ref = logp) remains, which is 0. Each masked token is divided by |o| = 2.
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.5))) {
            NDArray logProbs = array(new float[][] {{-1f, log(1.5) - 2f, -3f}});
            logProbs.setRequiresGradient(true);
            float[] gradient;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                GrpoLossResult result = loss.compute(logProbs, array(new float[][] {{-1f, -2f, -3f}}),
                        array(new float[][] {{-2f, log(1.5) - 2f, -3f}}), manager.create(new float[] {1f}),
                        array(new float[][] {{1f, 1f, 0f}}));
                collector.backward(result.loss());
                gradient = logProbs.getGradient().toFloatArray();
            }

            assertThat((double) gradient[0]).isCloseTo((-1.0 + 0.5 * (1.0 - Math.exp(-1.0))) / 2.0, within(TOLERANCE));
            assertThat(gradient[1]).isCloseTo(0f, within(1e-6f));
            assertThat(gradient[2]).isEqualTo(0f);
        }
    }

    @Test
    void garbageCollectionBeforeBackwardKeepsGradients() throws InterruptedException {
        GrpoLossConfig config = GrpoLossConfig.grpo(0.2, 0.04).withEpsilons(0.2, 0.28).withDualClip(3.0);
        Batch batch = Batch.random(new Random(11), 4, 8);
        try (GrpoLoss loss = new GrpoLoss(manager, config)) {
            for (int round = 0; round < 3; round++) {
                float[] undisturbed = batch.gradient(manager, loss, false);
                float[] collected = batch.gradient(manager, loss, true);

                assertThat(collected).as("round %d", round).containsExactly(undisturbed);
                assertThat(undisturbed).as("round %d", round).doesNotContain(Float.NaN);
            }
        }
    }

    @Test
    void referenceEqualToPolicyGivesZeroKl() {
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.5))) {
            Batch batch = Batch.random(new Random(3), 3, 5);
            GrpoLossResult result = loss.compute(manager.create(batch.logProbs()), manager.create(batch.behaviour()),
                    manager.create(batch.logProbs()), manager.create(batch.advantages()), manager.create(batch.mask()));

            assertThat(result.kl()).isEqualTo(0.0);
        }
    }

    @Test
    void sequenceMeanWeightsByLength() {
        // G = 2, A = -1, ratio 1, beta 0: the per-token loss is r and d(loss)/d(logp) is the weight.
        float[] gradient = weightGradient(new SequenceMean(), 10, 100);

        assertThat(gradient[0]).isCloseTo(0.05f, within(1e-7f));
        assertThat(gradient[COLUMNS + 99]).isCloseTo(0.005f, within(1e-8f));
        assertThat(gradient[10]).isZero();
    }

    @Test
    void tokenMeanWeightsEveryTokenAlike() {
        float[] gradient = weightGradient(new TokenMean(), 10, 100);

        assertThat(gradient[9]).isCloseTo(1f / 110, within(1e-8f));
        assertThat(gradient[COLUMNS]).isCloseTo(1f / 110, within(1e-8f));
    }

    @Test
    void constantNormaliserUsesMaxLength() {
        int maxLength = 128;
        float[] gradient = weightGradient(new ConstantNormaliser(maxLength), 10, 100);

        assertThat(gradient[0]).isCloseTo(1f / (2 * maxLength), within(1e-9f));
        assertThat(gradient[COLUMNS + 50]).isCloseTo(1f / (2 * maxLength), within(1e-9f));
    }

    @Test
    void splitBatchAddsUpToWhole() {
        for (LossAggregation aggregation : List.of(new SequenceMean(), new TokenMean(), new ConstantNormaliser(8))) {
            GrpoLossConfig config = GrpoLossConfig.grpo(0.2, 0.04).withEpsilons(0.2, 0.28).withDualClip(3.0)
                    .withAggregation(aggregation);
            Batch batch = Batch.random(new Random(17), 6, 8);
            try (GrpoLoss loss = new GrpoLoss(manager, config)) {
                BatchTotals totals = BatchTotals.ofMask(manager.create(batch.mask()));
                Gradient whole = batch.gradient(manager, loss, 0, 6, totals);
                Gradient first = batch.gradient(manager, loss, 0, 2, totals);
                Gradient second = batch.gradient(manager, loss, 2, 6, totals);

                assertThat(first.loss() + second.loss()).as(aggregation.toString())
                        .isCloseTo(whole.loss(), within(1e-6));
                float[] joined = new float[whole.values().length];
                System.arraycopy(first.values(), 0, joined, 0, first.values().length);
                System.arraycopy(second.values(), 0, joined, first.values().length, second.values().length);
                assertThat(joined).as(aggregation.toString()).containsExactly(whole.values(), within(1e-7f));
            }
        }
    }

    @Test
    void decoupledWeightIsCapped() {
        // Proximal -1, behaviour -2: pi_prox / pi_behaviour = e = 2.71828. At ratio 1 with A = 1 the
        // objective is w * 1, so the loss is -2.71828 without a cap and -2 with cap 2; the
        // gradient d(loss)/d(logp) = -w * r * A is -2 under the cap.
        try (GrpoLoss uncapped = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0));
                GrpoLoss capped = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0).withImportanceWeightCap(2.0))) {
            GrpoLossResult free = decoupledToken(uncapped, -1.0, -1.0, -2.0, 1.0, null);
            float[] gradient = new float[1];
            GrpoLossResult bounded = decoupledToken(capped, -1.0, -1.0, -2.0, 1.0, gradient);

            assertThat(loss(free)).isCloseTo(-Math.E, within(TOLERANCE));
            assertThat(free.meanImportanceWeight()).isCloseTo(Math.E, within(TOLERANCE));
            assertThat(free.importanceCapFraction()).isZero();
            assertThat(loss(bounded)).isCloseTo(-2.0, within(TOLERANCE));
            assertThat(bounded.meanImportanceWeight()).isCloseTo(2.0, within(TOLERANCE));
            assertThat(bounded.importanceCapFraction()).isEqualTo(1.0);
            assertThat(gradient[0]).isCloseTo(-2f, within(1e-5f));
        }
    }

    @Test
    void decoupledClipsAgainstProximal() {
        // Policy at ratio 1.5 to the proximal policy, which is itself 0.5 of the behaviour: with
        // A = 1 the clipped objective is 1.2 and the weight 0.5, so the loss is -0.6.
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0).withImportanceWeightCap(5.0))) {
            double proximal = -1.0;
            GrpoLossResult result = decoupledToken(loss, proximal + Math.log(1.5), proximal,
                    proximal - Math.log(0.5), 1.0, null);

            assertThat(loss(result)).isCloseTo(-0.6, within(TOLERANCE));
            assertThat(result.clipFractionHigh()).isEqualTo(1.0);
            assertThat(result.meanRatio()).isCloseTo(1.5, within(TOLERANCE));
        }
    }

    @Test
    void freshDecoupledEqualsStandard() {
        // Staleness 0 and mu 1: the proximal policy is the current policy, so the clipped ratio is 1
        // and the weight pi_prox / pi_behaviour is the standard ratio. Where that ratio lies inside
        // the clip range, loss and gradient are those of standard GRPO.
        Batch batch = Batch.random(new Random(23), 4, 6).withBehaviourNear(0.15, new Random(29));
        GrpoLossConfig config = GrpoLossConfig.grpo(0.2, 0.04).withEpsilons(0.2, 0.28);
        try (GrpoLoss loss = new GrpoLoss(manager, config)) {
            BatchTotals totals = BatchTotals.ofMask(manager.create(batch.mask()));
            Gradient standard = batch.gradient(manager, loss, 0, 4, totals);
            Gradient decoupled = batch.decoupledGradient(manager, loss, batch.logProbs(), totals);

            assertThat(decoupled.loss()).isCloseTo(standard.loss(), within(1e-6));
            assertThat(decoupled.values()).containsExactly(standard.values(), within(1e-6f));
        }
    }

    @Test
    void newLossPathsSurviveCollection() throws InterruptedException {
        Batch batch = Batch.random(new Random(31), 4, 8);
        float[][] proximal = Batch.random(new Random(37), 4, 8).logProbs();
        for (LossAggregation aggregation : List.of(new TokenMean(), new ConstantNormaliser(8))) {
            GrpoLossConfig config = GrpoLossConfig.grpo(0.2, 0.04).withEpsilons(0.2, 0.28).withDualClip(3.0)
                    .withAggregation(aggregation).withImportanceWeightCap(2.0);
            try (GrpoLoss loss = new GrpoLoss(manager, config)) {
                BatchTotals totals = new BatchTotals(8, 8, 40);
                for (int round = 0; round < 2; round++) {
                    float[] undisturbed = batch.gradient(manager, loss, proximal, totals, false);
                    float[] collected = batch.gradient(manager, loss, proximal, totals, true);

                    assertThat(collected).as("%s round %d", aggregation, round).containsExactly(undisturbed);
                    assertThat(undisturbed).doesNotContain(Float.NaN);
                }
            }
        }
    }

    @Test
    void lossIsScalar() {
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0))) {
            GrpoLossResult result = singleToken(loss, 0.0, 0.0, 1.0);

            assertThat(result.loss().getShape()).isEqualTo(new Shape());
        }
    }

    @Test
    void mismatchedShapesAreRejected() {
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0))) {
            assertThatThrownBy(() -> loss.compute(zeros(2, 3), zeros(2, 3), zeros(2, 2),
                    manager.create(new float[] {1f, 1f}), ones(2, 3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("referenceLogProbs");
            assertThatThrownBy(() -> loss.compute(zeros(2, 3), zeros(2, 3), zeros(2, 3),
                    manager.create(new float[] {1f}), ones(2, 3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("advantages");
            assertThatThrownBy(() -> loss.compute(manager.zeros(new Shape(3)), zeros(2, 3), zeros(2, 3),
                    manager.create(new float[] {1f, 1f}), ones(2, 3)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[B, T]");
        }
    }

    @Test
    void invalidConfigIsRejected() {
        assertThatThrownBy(() -> GrpoLossConfig.grpo(0.0, 0.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GrpoLossConfig.grpo(1.0, 0.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GrpoLossConfig.grpo(0.2, -0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GrpoLossConfig.grpo(0.2, 0.0).withEpsilons(0.2, 0.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GrpoLossConfig.grpo(0.2, 0.0).withDualClip(1.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GrpoLossConfig.grpo(0.2, 0.0).withAggregation(null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GrpoLossConfig.grpo(0.2, 0.0).withImportanceWeightCap(0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ConstantNormaliser(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private GrpoLossResult singleToken(GrpoLoss loss, double logProb, double behaviourLogProb, double advantage) {
        return loss.compute(array(new float[][] {{(float) logProb}}),
                array(new float[][] {{(float) behaviourLogProb}}), array(new float[][] {{(float) logProb}}),
                manager.create(new float[] {(float) advantage}), ones(1, 1));
    }

    private static final int COLUMNS = 100;

    /** Gradient of the loss of two rows with the given lengths, A = -1 and ratio 1: the per-token weights. */
    private float[] weightGradient(LossAggregation aggregation, int firstLength, int secondLength) {
        float[][] logProbs = new float[2][COLUMNS];
        float[][] mask = new float[2][COLUMNS];
        for (int t = 0; t < COLUMNS; t++) {
            logProbs[0][t] = -1f;
            logProbs[1][t] = -1f;
            mask[0][t] = t < firstLength ? 1f : 0f;
            mask[1][t] = t < secondLength ? 1f : 0f;
        }
        try (GrpoLoss loss = new GrpoLoss(manager, GrpoLossConfig.grpo(0.2, 0.0).withAggregation(aggregation))) {
            NDArray policy = array(logProbs);
            policy.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                GrpoLossResult result = loss.compute(policy, array(logProbs), array(logProbs),
                        manager.create(new float[] {-1f, -1f}), array(mask));
                collector.backward(result.loss());
            }
            try (NDArray gradient = policy.getGradient()) {
                return gradient.toFloatArray();
            }
        }
    }

    /** One token of the decoupled objective; fills {@code gradient[0]} when it is not null. */
    private GrpoLossResult decoupledToken(GrpoLoss loss, double logProb, double proximal, double behaviour,
            double advantage, float[] gradient) {
        NDArray policy = array(new float[][] {{(float) logProb}});
        policy.setRequiresGradient(true);
        GrpoLossResult result;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            result = loss.compute(policy, array(new float[][] {{(float) behaviour}}),
                    array(new float[][] {{(float) proximal}}), array(new float[][] {{(float) logProb}}),
                    manager.create(new float[] {(float) advantage}), ones(1, 1), new BatchTotals(1, 1, 1));
            collector.backward(result.loss());
        }
        if (gradient != null) {
            try (NDArray values = policy.getGradient()) {
                gradient[0] = values.toFloatArray()[0];
            }
        }
        return result;
    }

    /** Loss value and gradient with respect to the policy log-probs of some rows. */
    private record Gradient(double loss, float[] values) {
    }

    private NDArray array(float[][] values) {
        return manager.create(values);
    }

    private NDArray zeros(int rows, int columns) {
        return manager.zeros(new Shape(rows, columns));
    }

    private NDArray ones(int rows, int columns) {
        return manager.ones(new Shape(rows, columns));
    }

    private static double loss(GrpoLossResult result) {
        return result.loss().toFloatArray()[0];
    }

    private static float log(double value) {
        return (float) Math.log(value);
    }

    /** Solves e^x - x - 1 = target for x > 0 by Newton's method. */
    private static double k3Root(double target) {
        double x = 1.0;
        for (int i = 0; i < 50; i++) {
            x -= (Math.exp(x) - x - 1.0 - target) / (Math.exp(x) - 1.0);
        }
        return x;
    }

    /** Random batch with a mix of clipped, unclipped and dual-clipped tokens and some padding. */
    private record Batch(float[][] logProbs, float[][] behaviour, float[][] reference, float[] advantages,
            float[][] mask) {

        static Batch random(Random random, int rows, int columns) {
            float[][] logProbs = new float[rows][columns];
            float[][] behaviour = new float[rows][columns];
            float[][] reference = new float[rows][columns];
            float[][] mask = new float[rows][columns];
            float[] advantages = new float[rows];
            for (int i = 0; i < rows; i++) {
                advantages[i] = (float) random.nextGaussian();
                int length = 1 + random.nextInt(columns);
                for (int t = 0; t < columns; t++) {
                    logProbs[i][t] = (float) (-3.0 * random.nextDouble());
                    behaviour[i][t] = logProbs[i][t] + (float) (2.0 * random.nextGaussian());
                    reference[i][t] = logProbs[i][t] + (float) (0.5 * random.nextGaussian());
                    mask[i][t] = t < length ? 1f : 0f;
                }
            }
            return new Batch(logProbs, behaviour, reference, advantages, mask);
        }

        GrpoLossResult compute(NDManager manager, GrpoLoss loss) {
            return loss.compute(manager.create(logProbs), manager.create(behaviour), manager.create(reference),
                    manager.create(advantages), manager.create(mask));
        }

        /** Returns a copy whose behaviour log-probs lie within {@code spread} nats of the policy's. */
        Batch withBehaviourNear(double spread, Random random) {
            float[][] near = new float[logProbs.length][];
            for (int i = 0; i < logProbs.length; i++) {
                near[i] = new float[logProbs[i].length];
                for (int t = 0; t < near[i].length; t++) {
                    near[i][t] = logProbs[i][t] + (float) (spread * (2 * random.nextDouble() - 1));
                }
            }
            return new Batch(logProbs, near, reference, advantages, mask);
        }

        /** Loss and gradient of rows [from, to) with the standard objective and the given totals. */
        Gradient gradient(NDManager parent, GrpoLoss loss, int from, int to, BatchTotals totals) {
            try (NDManager step = parent.newSubManager()) {
                NDArray policy = step.create(Arrays.copyOfRange(logProbs, from, to));
                policy.setRequiresGradient(true);
                double value;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    GrpoLossResult result = loss.compute(policy, step.create(Arrays.copyOfRange(
                            behaviour, from, to)), null, step.create(Arrays.copyOfRange(reference, from, to)),
                            step.create(Arrays.copyOfRange(advantages, from, to)),
                            step.create(Arrays.copyOfRange(mask, from, to)), totals);
                    collector.backward(result.loss());
                    value = result.loss().getFloat();
                }
                return new Gradient(value, policy.getGradient().toFloatArray());
            }
        }

        /** Loss and gradient of the whole batch with the decoupled objective. */
        Gradient decoupledGradient(NDManager parent, GrpoLoss loss, float[][] proximal, BatchTotals totals) {
            try (NDManager step = parent.newSubManager()) {
                NDArray policy = step.create(logProbs);
                policy.setRequiresGradient(true);
                double value;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    GrpoLossResult result = loss.compute(policy, step.create(behaviour), step.create(proximal),
                            step.create(reference), step.create(advantages), step.create(mask), totals);
                    collector.backward(result.loss());
                    value = result.loss().getFloat();
                }
                return new Gradient(value, policy.getGradient().toFloatArray());
            }
        }

        /** Decoupled forward and backward, optionally forcing collections in between. */
        float[] gradient(NDManager parent, GrpoLoss loss, float[][] proximal, BatchTotals totals,
                boolean collectGarbage) throws InterruptedException {
            try (NDManager step = parent.newSubManager()) {
                NDArray policy = step.create(logProbs);
                policy.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    GrpoLossResult result = loss.compute(policy, step.create(behaviour), step.create(proximal),
                            step.create(reference), step.create(advantages), step.create(mask), totals);
                    if (collectGarbage) {
                        forceCollections();
                    }
                    collector.backward(result.loss());
                }
                return policy.getGradient().toFloatArray();
            }
        }

        /** Runs forward and backward in a fresh sub-manager, optionally forcing collections in between. */
        float[] gradient(NDManager parent, GrpoLoss loss, boolean collectGarbage) throws InterruptedException {
            try (NDManager step = parent.newSubManager()) {
                NDArray policy = step.create(logProbs);
                policy.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    GrpoLossResult result = loss.compute(policy, step.create(behaviour), step.create(reference),
                            step.create(advantages), step.create(mask));
                    if (collectGarbage) {
                        forceCollections();
                    }
                    collector.backward(result.loss());
                }
                return policy.getGradient().toFloatArray();
            }
        }

        private static void forceCollections() throws InterruptedException {
            List<byte[]> garbage = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                garbage.add(new byte[1 << 20]);
            }
            garbage.clear();
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(20);
            }
        }
    }
}
