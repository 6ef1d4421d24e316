package io.reasonflow.trainer.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.arithmetic.ArithmeticTask;
import io.reasonflow.tasks.arithmetic.Difficulty;
import io.reasonflow.tasks.arithmetic.Operation;
import io.reasonflow.tasks.split.HeldOutSplit;
import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.sft.SftPair;
import io.reasonflow.trainer.sft.SftTrainer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BaseCorpusTest {
    private static final Pattern LINE = Pattern.compile("(\\d+)([+-])(\\d+)=(\\d+)");
    private final ByteTokenizer tokenizer = new ByteTokenizer();
    private final HeldOutSplit split = new HeldOutSplit(0.1);

    @Test
    void linesAreCorrectEquations() {
        List<String> lines = BaseCorpus.lines(3, 7, 2_000, split);

        assertThat(lines).hasSize(2_000);
        Set<Integer> lengths = new HashSet<>();
        Set<String> operators = new HashSet<>();
        for (String line : lines) {
            Matcher parts = LINE.matcher(line);
            assertThat(parts.matches()).as(line).isTrue();
            assertThat(Long.parseLong(parts.group(4))).as(line)
                    .isEqualTo(ArithmeticTask.solve(parts.group(1) + parts.group(2) + parts.group(3)));
            lengths.add(parts.group(1).length());
            lengths.add(parts.group(3).length());
            operators.add(parts.group(2));
        }
        assertThat(lengths).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(operators).containsExactlyInAnyOrder("+", "-");
    }

    @Test
    void noLineHoldsAHeldOutQuestion() {
        List<TaskExample> heldOut = new ArithmeticTask(Difficulty.of(2, Operation.ADD, Operation.SUBTRACT))
                .generate(8, 500, split, HeldOutSplit.Side.EVAL);
        Set<String> heldOutQuestions = new HashSet<>();
        heldOut.forEach(example -> heldOutQuestions.add(example.question()));

        List<String> lines = BaseCorpus.lines(2, 7, 20_000, split);

        for (String line : lines) {
            String question = line.substring(0, line.indexOf('='));
            assertThat(split.sideOf(question)).as(line).isEqualTo(HeldOutSplit.Side.TRAIN);
            assertThat(heldOutQuestions).doesNotContain(question);
        }
    }

    @Test
    void sequenceIsOneLineAfterBos() {
        List<SftPair> sequences = BaseCorpus.sequences(2, 7, 5, split, tokenizer);

        assertThat(sequences).hasSize(5);
        List<String> lines = BaseCorpus.lines(2, 7, 5, split);
        for (int i = 0; i < sequences.size(); i++) {
            SftPair pair = sequences.get(i);
            assertThat(pair.promptIds()).containsExactly(tokenizer.bosId());
            String text = tokenizer.decode(pair.completionIds());
            assertThat(text).isEqualTo(lines.get(i) + "\n");
            assertThat(text).doesNotContain("<think>", "User:");
        }
    }

    @Test
    void seedDecidesTheLines() {
        assertThat(BaseCorpus.lines(3, 11, 100, split)).isEqualTo(BaseCorpus.lines(3, 11, 100, split));
        assertThat(BaseCorpus.lines(3, 11, 100, split)).isNotEqualTo(BaseCorpus.lines(3, 12, 100, split));
    }

    @Test
    void sequenceCountIsCapped() {
        assertThat(BaseCorpus.sequences(1, 3, BaseCorpus.MAX_SEQUENCES + 1, split, tokenizer))
                .hasSize(BaseCorpus.MAX_SEQUENCES);
    }

    @Test
    void zeroSequencesIsRejected() {
        assertThatThrownBy(() -> BaseCorpus.sequences(2, 3, 0, split, tokenizer))
                .hasMessage("sequences is 0, expected >= 1");
    }

    @Test
    void pretrainingLowersTheLoss() {
        List<SftPair> corpus = BaseCorpus.sequences(2, 5, 256, split, tokenizer);
        List<Double> losses = new ArrayList<>();
        try (PolicyModel model = PolicyModel.initialize(ModelConfig.tiny(tokenizer.vocabSize()), 3)) {
            new SftTrainer(model, tokenizer, new TrainerProperties.Sft(30, 8, 0.01, null, 0, 0), 5)
                    .train(corpus, (step, loss) -> losses.add(loss));
        }

        assertThat(losses).hasSize(30);
        assertThat(losses.get(29)).isLessThan(losses.get(0) / 2);
    }
}
