package io.reasonflow.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.trainer.TrainerProperties;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SftTrainerTest {
    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @Test
    void learningRateWarmsUpThenDecays() {
        SftTrainer trainer = new SftTrainer(null, tokenizer, new TrainerProperties.Sft(100, 4, 0.01, null, 0, 0), 1);

        assertThat(trainer.learningRate(1)).isCloseTo(0.002, within(1e-12));
        assertThat(trainer.learningRate(5)).isCloseTo(0.01, within(1e-12));
        assertThat(trainer.learningRate(100)).isCloseTo(0.001, within(1e-12));
        assertThat(trainer.learningRate(52)).isBetween(0.005, 0.006);
    }

    @Test
    void lossFallsOnRepeatedTraces() {
        List<SftPair> pairs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pairs.add(new SftPair("example-" + i, PromptTokens.encode(tokenizer, "User: " + i + "+1\nAssistant: "),
                    tokenizer.encode("<think>\n" + i + "+1=" + (i + 1) + "\n</think>\n<answer>" + (i + 1) + "</answer>")));
        }
        List<Double> losses = new ArrayList<>();
        try (PolicyModel model = PolicyModel.initialize(ModelConfig.tiny(tokenizer.vocabSize()), 3)) {
            double last = new SftTrainer(model, tokenizer, new TrainerProperties.Sft(40, 8, 0.01, null, 0, 0), 5)
                    .train(pairs, (step, loss) -> losses.add(loss));

            assertThat(losses).hasSize(40);
            assertThat(losses.get(0)).isGreaterThan(4.0);
            assertThat(last).isLessThan(1.5).isEqualTo(losses.get(39));
        }
    }
}
