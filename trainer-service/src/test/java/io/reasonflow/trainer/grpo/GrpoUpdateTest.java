package io.reasonflow.trainer.grpo;

import static io.reasonflow.trainer.grpo.GrpoFixtures.group;
import static io.reasonflow.trainer.grpo.GrpoFixtures.randomGroups;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tensor.GradMode;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.training.SequenceBatch;
import io.reasonflow.model.training.TokenLogProbs;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.TrainerProperties.Grpo.Aggregation;
import io.reasonflow.trainer.grpo.GrpoFixtures.Sample;
import io.reasonflow.trainer.grpo.GrpoFixtures.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GrpoUpdateTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final ModelConfig CONFIG = ModelConfig.tiny(ByteTokenizer.VOCAB_SIZE);

    /**
     * Largest difference allowed between a gradient element of one batch and of the same batch in micro-batches.
     * The largest elements are about 0.14, and float32 sums taken in another order differ by up to 3e-8 here.
     */
    private static final float MICRO_BATCH_TOLERANCE = 2e-7f;

    @Test
    void microBatchesMatchWholeBatch() {
        List<ScoredGroup> groups = randomGroups(new Random(1), 2, 4, 0);
        for (Aggregation aggregation : Aggregation.values()) {
            Settings settings = new Settings();
            settings.aggregation = aggregation.name().toLowerCase(Locale.ROOT).replace('_', '-');
            Accumulated whole = accumulate(groups, settings);
            for (int microBatch : new int[] {1, 3}) {
                settings.microBatchSize = microBatch;
                Accumulated split = accumulate(groups, settings);

                assertThat(split.loss()).as("%s in micro-batches of %d", aggregation, microBatch)
                        .isCloseTo(whole.loss(), within(1e-7));
                for (String name : whole.gradients().keySet()) {
                    assertThat(split.gradients().get(name)).as("%s %s micro %d", aggregation, name, microBatch)
                            .containsExactly(whole.gradients().get(name), within(MICRO_BATCH_TOLERANCE));
                }
            }
        }
    }

    @Test
    void stepChangesEveryParameter() {
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 2); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, new Settings().build(), 7)) {
            Map<String, float[]> before = parameters(policy);

            GrpoStepStats stats = update.step(randomGroups(new Random(2), 2, 4, 0), 0);

            assertThat(stats.optimizerSteps()).isEqualTo(1);
            assertThat(stats.sequences()).isEqualTo(8);
            assertThat(stats.loss()).isFinite();
            assertThat(stats.gradientNorm()).isPositive();
            parameters(policy).forEach((name, values) ->
                    assertThat(Arrays.equals(values, before.get(name))).as(name).isFalse());
        }
    }

    @Test
    void paddingAfterEosIsNotTrained() {
        // EOS and padding share id 2: [5, 7, 2, 2, 2] trains on 5, 7 and the first 2 only.
        Tokenizer padIsEos = new ByteTokenizerWithPadEos();
        Sample padded = Sample.of(new int[] {5, 7, 2, 2, 2}, new double[] {-5, -5, -5, -5, -5}, FinishReason.STOP, 1.0);
        Sample plain = Sample.of(new int[] {9, 2}, new double[] {-5, -5}, FinishReason.STOP, 0.0);
        List<ScoredGroup> groups = List.of(group("g", "User: 1\nAssistant: ", 0, List.of(padded, plain)));
        RolloutBatch batch = RolloutBatch.of(groups, padIsEos, 0, GrpoSettings.advantages(new Settings().build()));

        assertThat(batch.maskedLengths(padIsEos.eosIds(), false)).containsExactly(3, 2);
        try (NDManager manager = NDManager.newBaseManager();
                SequenceBatch sequences = batch.sequences(manager, new int[] {0}, padIsEos.padId(), 64,
                        padIsEos.eosIds())) {
            float[] mask = sequences.completionMask().toFloatArray();
            assertThat(Arrays.copyOfRange(mask, mask.length - 5, mask.length)).containsExactly(1f, 1f, 1f, 0f, 0f);
        }
        Settings settings = new Settings();
        settings.groupsPerStep = 1;
        settings.groupSize = 2;
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 3); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, padIsEos, settings.build(), 7)) {
            assertThat(update.step(groups, 0).tokens()).isEqualTo(5);
        }
    }

    @Test
    void allTruncatedGivesZeroLoss() {
        Settings settings = new Settings();
        settings.maskTruncated = true;
        List<ScoredGroup> groups = truncated(randomGroups(new Random(4), 2, 4, 0));
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 4); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 7)) {
            Map<String, float[]> before = parameters(policy);

            GrpoStepStats stats = update.step(groups, 0);

            assertThat(stats.loss()).isEqualTo(0.0);
            assertThat(stats.kl()).isEqualTo(0.0);
            assertThat(stats.tokens()).isZero();
            assertThat(stats.optimizerSteps()).isZero();
            parameters(policy).forEach((name, values) -> assertThat(values).as(name).isEqualTo(before.get(name)));
        }
    }

    @Test
    void truncatedCompletionsLeaveLoss() {
        List<ScoredGroup> groups = randomGroups(new Random(5), 2, 4, 0);
        List<ScoredGroup> mixed = List.of(groups.get(0), truncated(List.of(groups.get(1))).get(0));
        int firstGroupTokens = groups.get(0).group().completions().stream().mapToInt(c -> c.tokenIds().length).sum();
        Settings settings = new Settings();
        settings.maskTruncated = true;
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 5); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 7)) {
            GrpoStepStats stats = update.step(mixed, 0);

            assertThat(stats.tokens()).isEqualTo(firstGroupTokens);
            assertThat(stats.optimizerSteps()).isEqualTo(1);
            assertThat(stats.loss()).isFinite();
        }
    }

    @Test
    void resetReferenceGivesZeroKl() {
        Settings settings = new Settings();
        settings.referenceResetSteps = 1;
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 6); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 7)) {
            GrpoStepStats first = update.step(randomGroups(new Random(6), 2, 4, 0), 0);
            GrpoStepStats second = update.step(randomGroups(new Random(7), 2, 4, 1), 1);

            assertThat(first.referenceReset()).isTrue();
            assertThat(parameters(reference)).containsExactlyEntriesOf(parameters(policy));
            assertThat(second.kl()).isEqualTo(0.0);
        }
    }

    @Test
    void initialReferenceIsKeptByDefault() {
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 6); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, new Settings().build(), 7)) {
            Map<String, float[]> initial = parameters(reference);
            update.step(randomGroups(new Random(6), 2, 4, 0), 0);
            GrpoStepStats second = update.step(randomGroups(new Random(7), 2, 4, 1), 1);

            assertThat(second.referenceReset()).isFalse();
            assertThat(second.kl()).isPositive();
            parameters(reference).forEach((name, values) -> assertThat(values).isEqualTo(initial.get(name)));
        }
    }

    @Test
    void decoupledWithoutStalenessIsStandard() {
        List<ScoredGroup> groups = randomGroups(new Random(8), 2, 4, 3);
        Settings standard = new Settings();
        standard.decoupled = false;
        Map<String, float[]> plain = parametersAfterStep(standard, groups, 3);
        Map<String, float[]> decoupled = parametersAfterStep(new Settings(), groups, 3);

        assertThat(decoupled).containsExactlyEntriesOf(plain);
    }

    @Test
    void proximalEqualToBehaviourIsStandard() {
        // The groups' behaviour log-probs are the policy's own, so a stale group's proximal log-probs equal
        // its behaviour log-probs: the weight is 1 and the ratio that of standard GRPO.
        Settings settings = new Settings();
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 9); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 7)) {
            List<ScoredGroup> groups = withOwnLogProbs(policy, randomGroups(new Random(9), 2, 4, 2));
            RolloutBatch batch = RolloutBatch.of(groups, TOKENIZER, 3, GrpoSettings.advantages(settings.build()));
            List<float[]> proximal = update.proximalLogProbs(batch);
            for (int i = 0; i < batch.size(); i++) {
                assertThat(proximal.get(i)).containsExactly(batch.row(i).behaviourLogProbs(), within(1e-5f));
            }

            Accumulated standard = backward(update, policy, batch, null);
            Accumulated decoupled = backward(update, policy, batch, proximal);

            assertThat(decoupled.loss()).isCloseTo(standard.loss(), within(1e-6));
            for (String name : standard.gradients().keySet()) {
                assertThat(decoupled.gradients().get(name)).as(name)
                        .containsExactly(standard.gradients().get(name), within(1e-6f));
            }
            GrpoStepStats stats = update.step(groups, 3);
            assertThat(stats.staleSequences()).isEqualTo(8);
            assertThat(stats.importanceWeight()).isCloseTo(1.0, within(1e-5));
            assertThat(stats.importanceCapped()).isZero();
        }
    }

    @Test
    void staleGroupsUseProximalPolicy() {
        // The policy moved after sampling: stale completions get its current log-probs as proximal
        // log-probs, fresh ones keep their behaviour log-probs.
        Settings settings = new Settings();
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 15); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 7)) {
            List<ScoredGroup> groups = sampledBeforeAStep(update, policy);
            RolloutBatch batch = RolloutBatch.of(groups, TOKENIZER, 1, GrpoSettings.advantages(settings.build()));
            List<float[]> moved = withOwnLogProbs(policy, groups).stream()
                    .flatMap(group -> group.group().completions().stream())
                    .map(completion -> toFloats(completion.logProbs())).toList();

            List<float[]> proximal = update.proximalLogProbs(batch);

            for (int i = 0; i < 4; i++) {
                assertThat(proximal.get(i)).as("stale row %d", i).containsExactly(moved.get(i), within(1e-5f));
                assertThat(proximal.get(i)).isNotEqualTo(batch.row(i).behaviourLogProbs());
            }
            for (int i = 4; i < 8; i++) {
                assertThat(proximal.get(i)).as("fresh row %d", i).isSameAs(batch.row(i).behaviourLogProbs());
            }
            GrpoStepStats stats = update.step(groups, 1);
            assertThat(stats.staleSequences()).isEqualTo(4);
            assertThat(stats.importanceWeight()).isNotCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void singleStepSharesProximalForward() {
        // With one optimizer step per step the policy is still the proximal policy during the forward pass with
        // gradient, so its detached log-probs give the same loss and gradients as a separate pass without one.
        Settings settings = new Settings();
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 15); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 7)) {
            List<ScoredGroup> groups = sampledBeforeAStep(update, policy);
            RolloutBatch batch = RolloutBatch.of(groups, TOKENIZER, 1, GrpoSettings.advantages(settings.build()));
            GrpoUpdate.Prepared prepared = update.prepare(batch);
            assertThat(prepared.proximalIsPolicy()).isTrue();
            assertThat(prepared.proximal()).isNull();

            Accumulated separate = backward(update, policy, batch, update.proximalLogProbs(batch));
            Accumulated shared = backward(update, policy, batch, null, true);

            assertThat(shared.loss()).isCloseTo(separate.loss(), within(1e-6));
            for (String name : separate.gradients().keySet()) {
                assertThat(shared.gradients().get(name)).as(name)
                        .containsExactly(separate.gradients().get(name), within(1e-6f));
            }
        }
    }

    @Test
    void severalStepsPrecomputeProximal() {
        Settings settings = new Settings();
        settings.mu = 2;
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 15); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 7)) {
            List<ScoredGroup> groups = randomGroups(new Random(15), 2, 4, 0);
            RolloutBatch batch = RolloutBatch.of(groups, TOKENIZER, 1, GrpoSettings.advantages(settings.build()));

            GrpoUpdate.Prepared prepared = update.prepare(batch);

            assertThat(prepared.proximalIsPolicy()).isFalse();
            assertThat(prepared.proximal()).hasSize(batch.size());
        }
    }

    @Test
    void muPassesOverMinibatches() {
        Settings settings = new Settings();
        settings.mu = 2;
        settings.minibatchSize = 4;
        settings.warmupSteps = 2;
        settings.minLearningRateRatio = 0.1;
        TrainerProperties.Grpo grpo = settings.build();
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 10); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, grpo, 7)) {
            GrpoStepStats first = update.step(randomGroups(new Random(10), 2, 4, 0), 0);
            GrpoStepStats second = update.step(randomGroups(new Random(11), 2, 4, 1), 1);

            assertThat(grpo.optimizerStepsPerStep()).isEqualTo(4);
            assertThat(first.optimizerSteps()).isEqualTo(4);
            assertThat(update.optimizer().stepCount()).isEqualTo(8);
            // 16 optimizer steps in all: after warm-up, step 8 is 6/14 of the way down the cosine.
            double expected = 1e-3 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 6 / 14)));
            assertThat(second.learningRate()).isCloseTo(expected, within(1e-12));
            assertThat(first.learningRate()).isCloseTo(1e-3 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 2 / 14))),
                    within(1e-12));
        }
    }

    @Test
    void sameSeedSameParameters() {
        Settings settings = new Settings();
        settings.minibatchSize = 2;
        List<ScoredGroup> groups = randomGroups(new Random(12), 2, 4, 0);

        Map<String, float[]> first = parametersAfterStep(settings, groups, 0);
        Map<String, float[]> second = parametersAfterStep(settings, groups, 0);

        assertThat(second).containsExactlyEntriesOf(first);
    }

    @Test
    void groupOfOneIsRejected() {
        Sample only = Sample.of(new int[] {5, ByteTokenizer.EOS}, new double[] {-5, -5}, FinishReason.STOP, 1.0);
        List<ScoredGroup> groups = List.of(group("lonely", "User: 1\nAssistant: ", 0, List.of(only)));
        GroupAdvantages advantages = GrpoSettings.advantages(new Settings().build());

        assertThatThrownBy(() -> RolloutBatch.of(groups, TOKENIZER, 0, advantages))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("group lonely has 1 completion")
                .hasMessageContaining("reasonflow.trainer.grpo.group-size >= 2");
    }

    @Test
    void unscoredCompletionsStayFinite() {
        // Two graders, and format returned null for some completions, so their totals are null.
        List<Sample> first = List.of(graded(1.0, 1.0), graded(0.0, null), graded(1.0, 1.0), graded(0.0, 1.0));
        List<Sample> second = List.of(graded(1.0, null), graded(0.0, null), graded(1.0, 1.0), graded(0.0, null));
        List<ScoredGroup> groups = List.of(group("a", "User: 1\nAssistant: ", 0, first),
                group("b", "User: 2\nAssistant: ", 0, second));

        RolloutBatch batch = RolloutBatch.of(groups, TOKENIZER, 0, GrpoSettings.advantages(new Settings().build()));

        // Group a scores [1.2, -, 1.2, 0.2]: mean 0.8667, sample std 0.5774. Group b keeps one score.
        double std = Math.sqrt((2 * Math.pow(1.2 - 2.6 / 3, 2) + Math.pow(0.2 - 2.6 / 3, 2)) / 2);
        assertThat(batch.advantage(0)).isCloseTo((1.2 - 2.6 / 3) / (std + 1e-4), within(1e-9));
        assertThat(batch.advantage(1)).isZero();
        assertThat(batch.advantage(3)).isCloseTo((0.2 - 2.6 / 3) / (std + 1e-4), within(1e-9));
        for (int i = 4; i < 8; i++) {
            assertThat(batch.advantage(i)).as("row %d", i).isZero();
        }
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 13); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, new Settings().build(), 7)) {
            assertThat(update.step(groups, 0).loss()).isFinite();
        }
    }

    private static Sample graded(double accuracy, Double format) {
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("accuracy", accuracy);
        scores.put("format", format);
        Double total = format == null ? null : accuracy + 0.2 * format;
        return new Sample(new int[] {'4', ByteTokenizer.EOS}, new double[] {-5.5, -5.5}, FinishReason.STOP, total,
                scores);
    }

    /** Loss and gradients of one minibatch holding every row, without an optimizer step. */
    private record Accumulated(double loss, Map<String, float[]> gradients) {
    }

    private static Accumulated accumulate(List<ScoredGroup> groups, Settings settings) {
        TrainerProperties.Grpo grpo = settings.build();
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 1);
                PolicyModel reference = PolicyModel.initialize(CONFIG, 2);
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, grpo, 7)) {
            RolloutBatch batch = RolloutBatch.of(groups, TOKENIZER, 0, GrpoSettings.advantages(grpo));
            return backward(update, policy, batch, null);
        }
    }

    /** Loss and gradients of one minibatch of every row of {@code batch}; leaves the gradients at zero. */
    private static Accumulated backward(GrpoUpdate update, PolicyModel policy, RolloutBatch batch,
            List<float[]> proximal) {
        return backward(update, policy, batch, proximal, false);
    }

    /**
     * Returns the loss and gradients as above. With {@code proximalIsPolicy} the stale rows' proximal log-probs
     * come from the forward pass with gradient instead of {@code proximal}.
     */
    private static Accumulated backward(GrpoUpdate update, PolicyModel policy, RolloutBatch batch,
            List<float[]> proximal, boolean proximalIsPolicy) {
        GrpoUpdate.Prepared computed = update.prepare(batch);
        GrpoUpdate.Prepared prepared = new GrpoUpdate.Prepared(batch, computed.maskedLengths(), computed.reference(),
                proximal, proximalIsPolicy);
        int[] rows = IntStream.range(0, batch.size()).toArray();
        StepAccumulator accumulator = new StepAccumulator();
        update.backward(prepared, rows, prepared.totals(rows), accumulator);
        accumulator.optimizerStep(0.0);
        Map<String, float[]> gradients = new LinkedHashMap<>();
        policy.parameters().forEach((name, parameter) -> {
            try (NDArray gradient = parameter.getGradient()) {
                gradients.put(name, gradient.toFloatArray());
            }
        });
        policy.zeroGradients();
        return new Accumulated(accumulator.stats(batch.size(), 0, 0, false).loss(), gradients);
    }

    /**
     * Returns two groups of 4 sampled by the policy as it is, then takes a step: the first group is stale (version
     * 0) and the second is retagged as fresh (version 1), though the policy has moved since both were sampled.
     */
    private static List<ScoredGroup> sampledBeforeAStep(GrpoUpdate update, PolicyModel policy) {
        List<ScoredGroup> sampled = withOwnLogProbs(policy, randomGroups(new Random(15), 2, 4, 0));
        update.step(randomGroups(new Random(16), 2, 4, 0), 0);
        return List.of(sampled.get(0), retagged(sampled.get(1), 1));
    }

    private static ScoredGroup retagged(ScoredGroup scored, long version) {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < scored.group().completions().size(); i++) {
            var completion = scored.group().completions().get(i);
            samples.add(Sample.of(completion.tokenIds(), completion.logProbs(), completion.finishReason(),
                    scored.scores().get(i).total()));
        }
        return group(scored.groupId(), scored.group().prompt().text(), version, samples);
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    private static Map<String, float[]> parametersAfterStep(Settings settings, List<ScoredGroup> groups,
            long currentVersion) {
        try (PolicyModel policy = PolicyModel.initialize(CONFIG, 14); PolicyModel reference = policy.copy();
                GrpoUpdate update = new GrpoUpdate(policy, reference, TOKENIZER, settings.build(), 7)) {
            update.step(groups, currentVersion);
            return parameters(policy);
        }
    }

    private static Map<String, float[]> parameters(PolicyModel model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        model.parameters().forEach((name, parameter) -> values.put(name, parameter.toFloatArray()));
        return values;
    }

    private static List<ScoredGroup> truncated(List<ScoredGroup> groups) {
        List<ScoredGroup> result = new ArrayList<>();
        for (ScoredGroup scored : groups) {
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < scored.group().completions().size(); i++) {
                var completion = scored.group().completions().get(i);
                samples.add(Sample.of(completion.tokenIds(), completion.logProbs(), FinishReason.LENGTH,
                        scored.scores().get(i).total()));
            }
            result.add(group(scored.groupId(), scored.group().prompt().text(), scored.group().policyVersion(),
                    samples));
        }
        return result;
    }

    /** Replaces each completion's behaviour log-probs by those of {@code policy} at the sampling temperature. */
    private static List<ScoredGroup> withOwnLogProbs(PolicyModel policy, List<ScoredGroup> groups) {
        List<ScoredGroup> result = new ArrayList<>();
        for (ScoredGroup scored : groups) {
            RolloutBatch batch = RolloutBatch.of(List.of(scored), TOKENIZER, 0, new GroupAdvantages(new NoScaling()));
            int[] rows = IntStream.range(0, batch.size()).toArray();
            List<float[]> own;
            try (GradMode.Scope noGrad = GradMode.disabled(); NDManager manager = NDManager.newBaseManager();
                    SequenceBatch sequences = batch.sequences(manager, rows, TOKENIZER.padId(), 512,
                            TOKENIZER.eosIds())) {
                own = sequences.completionValues(TokenLogProbs.compute(policy, sequences,
                        policy.scalars().of((float) (1.0 / GrpoFixtures.TEMPERATURE))));
            }
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < rows.length; i++) {
                double[] logProbs = new double[own.get(i).length];
                for (int t = 0; t < logProbs.length; t++) {
                    logProbs[t] = own.get(i)[t];
                }
                var completion = scored.group().completions().get(i);
                samples.add(Sample.of(completion.tokenIds(), logProbs, completion.finishReason(),
                        scored.scores().get(i).total()));
            }
            result.add(group(scored.groupId(), scored.group().prompt().text(), scored.group().policyVersion(),
                    samples));
        }
        return result;
    }

    /** The byte tokenizer with end-of-sequence and padding both at id 2. */
    private static final class ByteTokenizerWithPadEos implements Tokenizer {
        @Override
        public int[] encode(String text) {
            return TOKENIZER.encode(text);
        }

        @Override
        public String decode(int[] ids) {
            return TOKENIZER.decode(ids);
        }

        @Override
        public int vocabSize() {
            return TOKENIZER.vocabSize();
        }

        @Override
        public int bosId() {
            return TOKENIZER.bosId();
        }

        @Override
        public int eosId() {
            return 2;
        }

        @Override
        public int padId() {
            return 2;
        }

        @Override
        public Set<Integer> eosIds() {
            return Set.of(2);
        }
    }
}
