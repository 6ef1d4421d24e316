package io.reasonflow.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraderRegistryTest {

    private static RolloutGroup group(String reference, String... texts) {
        SamplingSettings sampling = new SamplingSettings(texts.length, 1.0, 1.0, 0, 64, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run", "run-train-0", "p0", "arithmetic",
                "User: 12+30\nAssistant: ", reference, Purpose.TRAIN, sampling, 0);
        List<Completion> completions = Arrays.stream(texts)
                .map(t -> new Completion(t, new int[] {1}, new double[] {-0.5}, FinishReason.STOP)).toList();
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 3, "worker", completions);
    }

    @Test
    void everyGraderIsRegistered() {
        assertThat(GraderRegistry.NAMES).containsExactly("accuracy", "format", "format_partial",
                "language_consistency", "overlong", "repetition");
        for (String name : GraderRegistry.NAMES) {
            assertThat(GraderRegistry.create(name, RewardProperties.BuiltInGraders.defaults()).name()).isEqualTo(name);
        }
        assertThatThrownBy(() -> GraderRegistry.create("speed", RewardProperties.BuiltInGraders.defaults())).hasMessageContaining("known graders are");
    }

    @Test
    void everyGraderCanBeWeighted() {
        Map<String, Double> weights = new LinkedHashMap<>();
        GraderRegistry.NAMES.forEach(name -> weights.put(name, 1.0));

        RewardProperties properties = RewardProperties.withWeights(weights);
        ScoredGroup scored = new GroupScorer(properties.weights()).score(group("42",
                "<think>\nadd the tens then the ones\n</think>\n<answer>42</answer>"));

        assertThat(scored.scores().get(0).graderScores()).containsOnlyKeys(GraderRegistry.NAMES)
                .containsEntry("accuracy", 1.0).containsEntry("format", 1.0).containsEntry("format_partial", 1.0)
                .containsEntry("language_consistency", 1.0).containsEntry("overlong", 0.0)
                .containsEntry("repetition", 0.0);
        assertThat(scored.scores().get(0).total()).isEqualTo(4.0);
    }

    @Test
    void nullFromAnyWeightedGraderMakesTotalNull() {
        Map<String, Double> weights = new LinkedHashMap<>(Map.of("accuracy", 1.0, "language_consistency", 0.1));

        ScoredGroup scored = new GroupScorer(RewardProperties.withWeights(weights).weights()).score(group("\\text{Devon}",
                "<think>\nwords\n</think>\n<answer>Devon</answer>"));

        assertThat(scored.scores().get(0).graderScores()).containsEntry("language_consistency", 1.0);
        assertThat(scored.scores().get(0).graderScores().get("accuracy")).isNull();
        assertThat(scored.scores().get(0).total()).isNull();
    }

    @Test
    void unknownWeightNamesEveryGrader() {
        assertThatThrownBy(() -> RewardProperties.withWeights(Map.of("speed", 1.0)))
                .hasMessageContaining("reasonflow.reward.weights.speed")
                .hasMessageContaining("language_consistency").hasMessageContaining("repetition");
    }
}
