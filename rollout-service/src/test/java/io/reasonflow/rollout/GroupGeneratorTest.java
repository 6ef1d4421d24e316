package io.reasonflow.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Seeded prompts give the same completions however the worker happens to batch them. */
class GroupGeneratorTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final SamplingSettings SAMPLING = new SamplingSettings(3, 1.0, 1.0, 0, 16, List.of("</answer>"));

    private static PolicyModel model;

    @BeforeAll
    static void createModel() {
        model = PolicyModel.initialize(ModelConfig.tiny(ByteTokenizer.VOCAB_SIZE, TOKENIZER.bosId(),
                TOKENIZER.eosId()), 5);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    private static PromptMessage prompt(int index, Long seed) {
        return new PromptMessage(Messages.SCHEMA_VERSION, "run", "run-train-" + index, "p" + index, "arithmetic",
                "User: " + (10 + index) + "+" + (3 * index) + "\nAssistant: ", "0", Purpose.TRAIN, SAMPLING, 0, seed);
    }

    @Test
    void seededGroupIgnoresBatching() {
        PromptMessage seeded = prompt(2, 77L);
        List<PromptMessage> crowd = List.of(prompt(0, 5L), prompt(1, null), seeded, prompt(3, 9L));
        List<PromptMessage> reversed = new ArrayList<>(crowd);
        Collections.reverse(reversed);

        RolloutGroup packed = new GroupGenerator(TOKENIZER, 64, "w").generate(crowd, model, 1, 1000).get(2);
        RolloutGroup alone = new GroupGenerator(TOKENIZER, 64, "w").generate(List.of(seeded), model, 1, 2000).get(0);
        RolloutGroup smallBatches = new GroupGenerator(TOKENIZER, 3, "w").generate(reversed, model, 1, 3000)
                .get(1);

        for (RolloutGroup other : List.of(alone, smallBatches)) {
            assertThat(other.groupId()).isEqualTo(seeded.groupId());
            for (int i = 0; i < SAMPLING.groupSize(); i++) {
                assertThat(other.completions().get(i).tokenIds()).as("completion %d", i)
                        .containsExactly(packed.completions().get(i).tokenIds());
                assertThat(other.completions().get(i).logProbs()).as("log-probs of completion %d", i)
                        .containsExactly(packed.completions().get(i).logProbs(), within(1e-5));
            }
        }
    }

    @Test
    void unseededGroupFollowsBatchSeed() {
        List<PromptMessage> prompts = List.of(prompt(0, null), prompt(1, null));
        GroupGenerator generator = new GroupGenerator(TOKENIZER, 64, "w");

        List<RolloutGroup> first = generator.generate(prompts, model, 1, 42);
        List<RolloutGroup> again = generator.generate(prompts, model, 1, 42);
        List<RolloutGroup> other = generator.generate(prompts, model, 1, 43);

        assertThat(texts(again)).isEqualTo(texts(first));
        assertThat(texts(other)).isNotEqualTo(texts(first));
    }

    private static List<String> texts(List<RolloutGroup> groups) {
        return groups.stream().flatMap(g -> g.completions().stream()).map(c -> c.text()).toList();
    }
}
