package io.reasonflow.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvalAggregatorTest {

    /** A group of answers; each answer string becomes a completion with that many tokens as characters. */
    private static ScoredGroup group(String id, String reference, String... answers) {
        SamplingSettings sampling = new SamplingSettings(answers.length, 0.6, 0.95, 0, 32, List.of());
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run", id, id, "arithmetic", "q", reference,
                Purpose.EVAL, sampling, 0);
        List<Completion> completions = new ArrayList<>();
        List<CompletionScore> scores = new ArrayList<>();
        for (String answer : answers) {
            String text = answer == null ? "no answer here" : "<think>\nx\n</think>\n<answer>" + answer + "</answer>";
            completions.add(new Completion(text, new int[4], new double[4], FinishReason.STOP));
            Map<String, Double> byGrader = new HashMap<>();
            byGrader.put("accuracy", reference.equals(answer) ? 1.0 : 0.0);
            byGrader.put("format", answer == null ? 0.0 : 1.0);
            scores.add(new CompletionScore(byGrader, null));
        }
        return new ScoredGroup(Messages.SCHEMA_VERSION, new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 2, "w",
                completions), scores);
    }

    @Test
    void passAtOneMajorityAndFormat() {
        List<ScoredGroup> groups = List.of(
                group("a", "7", "7", "7", "3", "7"),
                group("b", "5", "5", "4", "4", null),
                group("c", "9", "1", "2", "3", "9"));

        EvalResult result = EvalAggregator.aggregate("run", "final", 2, "arithmetic", groups);

        assertThat(result.prompts()).isEqualTo(3);
        assertThat(result.samplesPerPrompt()).isEqualTo(4);
        assertThat(result.passAt1()).isCloseTo(5.0 / 12, within(1e-12));
        assertThat(result.majAtK()).as("a: majority 7 is right; b: majority 4 is wrong; c: tie, first seen 1 is wrong")
                .isCloseTo(1.0 / 3, within(1e-12));
        assertThat(result.formatRate()).isCloseTo(11.0 / 12, within(1e-12));
        assertThat(result.meanLength()).isEqualTo(4.0);
    }

    @Test
    void emptyEvaluationIsZeroNotNaN() {
        EvalResult result = EvalAggregator.aggregate("run", "start", 0, "arithmetic", List.of());

        assertThat(result.passAt1()).isZero();
        assertThat(result.majAtK()).isZero();
    }
}
