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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupScorerTest {
    private static final Map<String, Double> WEIGHTS = new LinkedHashMap<>(Map.of("accuracy", 1.0, "format", 0.2));

    private static RolloutGroup group(String reference, String... texts) {
        SamplingSettings sampling = new SamplingSettings(texts.length, 1.0, 1.0, 0, 64, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run", "run-train-0", "p0", "arithmetic",
                "User: 12+30\nAssistant: ", reference, Purpose.TRAIN, sampling, 0);
        List<Completion> completions = java.util.Arrays.stream(texts)
                .map(t -> new Completion(t, new int[] {1}, new double[] {-0.5}, FinishReason.STOP)).toList();
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 3, "worker", completions);
    }

    @Test
    void weightedTotalPerCompletion() {
        ScoredGroup scored = new GroupScorer(WEIGHTS).score(group("42",
                "<think>\n2+0=2\n1+3=4\n</think>\n<answer>42</answer>",
                "<think>\nguess\n</think>\n<answer>41</answer>",
                "the answer is 42"));

        assertThat(scored.scores().get(0).graderScores()).containsEntry("accuracy", 1.0).containsEntry("format", 1.0);
        assertThat(scored.scores().get(0).total()).isEqualTo(1.2);
        assertThat(scored.scores().get(1).total()).isEqualTo(0.2);
        assertThat(scored.scores().get(2).graderScores()).containsEntry("accuracy", 1.0).containsEntry("format", 0.0);
        assertThat(scored.scores().get(2).total()).isEqualTo(1.0);
    }

    @Test
    void unparsableReferenceGivesNullTotal() {
        ScoredGroup scored = new GroupScorer(WEIGHTS).score(group("not a number",
                "<think>\nx\n</think>\n<answer>42</answer>", "<answer>1</answer>"));

        assertThat(scored.scores().get(0).graderScores().get("accuracy")).isNull();
        assertThat(scored.scores().get(0).total()).isNull();
    }

    @Test
    void unknownGraderRejectedAtStartup() {
        assertThatThrownBy(() -> RewardProperties.withWeights(Map.of("speed", 1.0)))
                .hasMessageContaining("reasonflow.reward.weights.speed").hasMessageContaining("accuracy");
        assertThatThrownBy(() -> RewardProperties.withWeights(Map.of("accuracy", -1.0)))
                .hasMessageContaining("-1.0");
    }

    @Test
    void optionalGraderNullLeavesTotalToOthers() {
        Map<String, Double> weights = new LinkedHashMap<>(Map.of("accuracy", 1.0, "language_consistency", 0.5));
        RewardProperties strict = RewardProperties.withWeights(weights);
        RewardProperties optional = new RewardProperties(weights, null, List.of("accuracy"), null, null, null, null,
                null);
        RolloutGroup rollout = group("not a number", "<think>\nwords\n</think>\n<answer>42</answer>");

        ScoredGroup strictScore = new GroupScorer(strict, List.of()).score(rollout);
        ScoredGroup optionalScore = new GroupScorer(optional, List.of()).score(rollout);

        assertThat(strictScore.scores().get(0).total()).isNull();
        assertThat(optionalScore.scores().get(0).graderScores()).containsEntry("accuracy", null);
        assertThat(optionalScore.scores().get(0).total()).isEqualTo(0.5);
    }

    @Test
    void optionalGraderMustRun() {
        assertThatThrownBy(() -> new RewardProperties(Map.of("accuracy", 1.0), null, List.of("judge"), null, null,
                null, null, null)).hasMessageContaining("reasonflow.reward.optional-graders names 'judge'");
    }
}
