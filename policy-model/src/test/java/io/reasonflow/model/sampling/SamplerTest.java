package io.reasonflow.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.training.SequenceBatch;
import io.reasonflow.model.training.TokenLogProbs;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final ModelConfig CONFIG = new ModelConfig(40, 32, 2, 4, 2, 48, 64, 10_000.0, 1e-5, true, 37, 38);
    private static final List<int[]> PROMPTS = List.of(new int[] {1, 2, 3}, new int[] {4, 5, 6, 7, 8, 9},
            new int[] {10});

    private static PolicyModel model;
    private static NDManager manager;

    @BeforeAll
    static void createModel() {
        model = PolicyModel.initialize(CONFIG, 21);
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeModel() {
        model.close();
        manager.close();
    }

    private final Sampler sampler = new Sampler();

    @Test
    void sameSeedGivesSameOutput() {
        SamplingOptions options = new SamplingOptions(1.0, 0.95, 20, 12, Set.of(), List.of());
        List<SampledSequence> first = sampler.sample(model, PROMPTS, options, 7);
        List<SampledSequence> second = sampler.sample(model, PROMPTS, options, 7);
        List<SampledSequence> other = sampler.sample(model, PROMPTS, options, 8);
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertThat(first.get(i).tokenIds()).containsExactly(second.get(i).tokenIds());
            assertThat(first.get(i).logProbs()).containsExactly(second.get(i).logProbs());
        }
        assertThat(first.stream().map(s -> Arrays.toString(s.tokenIds())).toList())
                .isNotEqualTo(other.stream().map(s -> Arrays.toString(s.tokenIds())).toList());
    }

    @Test
    void rowSeedsIgnoreBatchCompanions() {
        SamplingOptions options = new SamplingOptions(1.0, 1.0, 0, 12, Set.of(), List.of());
        List<SampledSequence> together = sampler.sample(model, PROMPTS, options, new long[] {101, 202, 303});
        List<SampledSequence> alone = sampler.sample(model, List.of(PROMPTS.get(1)), options, new long[] {202});
        List<SampledSequence> reordered = sampler.sample(model, List.of(PROMPTS.get(2), PROMPTS.get(1)), options,
                new long[] {303, 202});
        assertThat(alone.get(0).tokenIds()).containsExactly(together.get(1).tokenIds());
        assertThat(reordered.get(1).tokenIds()).containsExactly(together.get(1).tokenIds());
        assertThat(reordered.get(0).tokenIds()).containsExactly(together.get(2).tokenIds());
        assertThat(alone.get(0).logProbs()).containsExactly(together.get(1).logProbs(), within(1e-5f));
        assertThatThrownBy(() -> sampler.sample(model, PROMPTS, options, new long[] {1}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one seed per prompt");
    }

    @Test
    void greedyMatchesArgmaxOfFullForward() {
        List<SampledSequence> sequences = sampler.sample(model, PROMPTS, SamplingOptions.greedy(6, Set.of()), 1);
        for (int i = 0; i < PROMPTS.size(); i++) {
            int[] context = PROMPTS.get(i);
            SampledSequence sequence = sequences.get(i);
            assertThat(sequence.tokenIds()).hasSize(6);
            assertThat(sequence.stopped()).isFalse();
            for (int token : sequence.tokenIds()) {
                float[] last = lastLogits(context);
                int argmax = 0;
                for (int v = 1; v < last.length; v++) {
                    argmax = last[v] > last[argmax] ? v : argmax;
                }
                assertThat(token).isEqualTo(argmax);
                context = Arrays.copyOf(context, context.length + 1);
                context[context.length - 1] = token;
            }
        }
    }

    private static float[] lastLogits(int[] tokens) {
        try (NDManager call = manager.newSubManager()) {
            long[] ids = Arrays.stream(tokens).asLongStream().toArray();
            long[] mask = new long[tokens.length];
            Arrays.fill(mask, 1);
            NDArray logits = model.forward(call.create(ids, new Shape(1, tokens.length)),
                    call.create(mask, new Shape(1, tokens.length)));
            return logits.get(new NDIndex("0, -1, :")).toFloatArray();
        }
    }

    @Test
    void logProbsMatchTrainerLogProbsAtTemperature() {
        double temperature = 0.7;
        SamplingOptions options = SamplingOptions.sampling(temperature, 10, Set.of());
        List<SampledSequence> sequences = sampler.sample(model, PROMPTS, options, 3);
        List<int[]> completions = new ArrayList<>();
        sequences.forEach(s -> completions.add(s.tokenIds()));
        try (SequenceBatch batch = new SequenceBatch(manager, PROMPTS, completions, 38, 64)) {
            NDArray inverse = model.scalars().of((float) (1 / temperature));
            List<float[]> recomputed = batch.completionValues(TokenLogProbs.compute(model, batch, inverse));
            for (int i = 0; i < PROMPTS.size(); i++) {
                float[] sampled = sequences.get(i).logProbs();
                for (int t = 0; t < sampled.length; t++) {
                    assertThat(sampled[t]).isCloseTo(recomputed.get(i)[t], within(1e-4f));
                }
            }
        }
    }

    @Test
    void stopIdEndsSequenceAndIsKept() {
        List<SampledSequence> greedy = sampler.sample(model, PROMPTS, SamplingOptions.greedy(8, Set.of()), 1);
        int stopToken = greedy.get(0).tokenIds()[2];
        List<SampledSequence> stopped = sampler.sample(model, PROMPTS, SamplingOptions.greedy(8, Set.of(stopToken)), 1);
        SampledSequence first = stopped.get(0);
        int firstStop = indexOf(greedy.get(0).tokenIds(), stopToken);
        assertThat(first.stopped()).isTrue();
        assertThat(first.tokenIds()).containsExactly(Arrays.copyOf(greedy.get(0).tokenIds(), firstStop + 1));
        assertThat(first.logProbs()).hasSize(firstStop + 1);
        assertThat(first.logProbs()[firstStop]).isEqualTo(greedy.get(0).logProbs()[firstStop]);
        for (int i = 1; i < PROMPTS.size(); i++) {
            int index = indexOf(greedy.get(i).tokenIds(), stopToken);
            int expectedLength = index < 0 ? 8 : index + 1;
            assertThat(stopped.get(i).tokenIds()).containsExactly(Arrays.copyOf(greedy.get(i).tokenIds(),
                    expectedLength));
            assertThat(stopped.get(i).stopped()).isEqualTo(index >= 0);
        }
    }

    @Test
    void anyEosIdEndsSequence() {
        List<SampledSequence> greedy = sampler.sample(model, PROMPTS, SamplingOptions.greedy(8, Set.of()), 1);
        // One end-of-text and one end-of-turn id, as a chat model's tokenizer reports them.
        Set<Integer> eosIds = Set.of(greedy.get(0).tokenIds()[1], greedy.get(1).tokenIds()[3]);
        List<SampledSequence> stopped = sampler.sample(model, PROMPTS, SamplingOptions.greedy(8, eosIds), 1);
        for (int i = 0; i < PROMPTS.size(); i++) {
            int[] tokens = greedy.get(i).tokenIds();
            int end = tokens.length;
            for (int t = 0; t < tokens.length; t++) {
                if (eosIds.contains(tokens[t])) {
                    end = t + 1;
                    break;
                }
            }
            assertThat(stopped.get(i).tokenIds()).containsExactly(Arrays.copyOf(tokens, end));
            assertThat(stopped.get(i).stopped()).isEqualTo(end < tokens.length || eosIds.contains(tokens[end - 1]));
        }
        assertThat(stopped.get(0).tokenIds().length).isLessThanOrEqualTo(2);
        assertThat(stopped.get(1).tokenIds().length).isLessThanOrEqualTo(4);
    }

    @Test
    void stopSequenceEndsSequenceAndIsKept() {
        List<SampledSequence> greedy = sampler.sample(model, PROMPTS, SamplingOptions.greedy(8, Set.of()), 1);
        int[] tokens = greedy.get(1).tokenIds();
        int[] stop = {tokens[3], tokens[4]};
        SamplingOptions options = new SamplingOptions(0, 1, 0, 8, Set.of(), List.of(stop));
        SampledSequence sequence = sampler.sample(model, PROMPTS, options, 1).get(1);
        int end = 0;
        while (!(end >= 2 && tokens[end - 2] == stop[0] && tokens[end - 1] == stop[1])) {
            end++;
        }
        assertThat(sequence.stopped()).isTrue();
        assertThat(sequence.tokenIds()).containsExactly(Arrays.copyOf(tokens, end));
    }

    @Test
    void samplingLeavesNoArraysBehind() {
        int before = model.manager().getManagedArrays().size();
        sampler.sample(model, PROMPTS, SamplingOptions.sampling(1.0, 5, Set.of()), 2);
        assertThat(model.manager().getManagedArrays()).hasSize(before);
    }

    @Test
    void samplingOnAnotherThreadWorks() throws InterruptedException {
        List<SampledSequence> expected = sampler.sample(model, PROMPTS, SamplingOptions.sampling(1.0, 5, Set.of()), 4);
        List<List<SampledSequence>> result = new ArrayList<>();
        Thread thread = new Thread(() -> result.add(
                sampler.sample(model, PROMPTS, SamplingOptions.sampling(1.0, 5, Set.of()), 4)));
        thread.start();
        thread.join();
        assertThat(result).hasSize(1);
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertThat(result.get(0).get(i).tokenIds()).containsExactly(expected.get(i).tokenIds());
        }
    }

    @Test
    void rejectsPromptsThatDoNotFit() {
        assertThatThrownBy(() -> sampler.sample(model, List.of(new int[60]), SamplingOptions.greedy(10, Set.of()), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max_position_embeddings = 64");
        assertThatThrownBy(() -> sampler.sample(model, List.of(new int[0]), SamplingOptions.greedy(10, Set.of()), 1))
                .hasMessageContaining("prompt 0 is empty");
    }

    @Test
    void optionsRejectInvalidValues() {
        assertThatThrownBy(() -> new SamplingOptions(-1, 1, 0, 5, Set.of(), List.of()))
                .hasMessageContaining("temperature is -1.0");
        assertThatThrownBy(() -> new SamplingOptions(1, 0, 0, 5, Set.of(), List.of()))
                .hasMessageContaining("topP is 0.0");
        assertThatThrownBy(() -> new SamplingOptions(1, 1, 0, 0, Set.of(), List.of()))
                .hasMessageContaining("maxNewTokens is 0");
        assertThatThrownBy(() -> new SamplingOptions(1, 1, 0, 5, Set.of(), List.of(new int[0])))
                .hasMessageContaining("stopSequences[0] is empty");
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
