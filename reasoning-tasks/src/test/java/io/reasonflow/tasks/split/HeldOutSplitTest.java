package io.reasonflow.tasks.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.arithmetic.ArithmeticTask;
import io.reasonflow.tasks.arithmetic.Difficulty;
import io.reasonflow.tasks.arithmetic.Operation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HeldOutSplitTest {

    // Two-digit questions form a small space (16,920 questions), so unsplit batches overlap.
    private static final ArithmeticTask TWO_DIGIT =
            new ArithmeticTask(Difficulty.of(2, Operation.ADD, Operation.SUBTRACT, Operation.MULTIPLY));

    @Test
    void unsplitBatchesShareQuestions() {
        Set<String> train = questions(TWO_DIGIT.generate(1, 2_000));
        Set<String> eval = questions(TWO_DIGIT.generate(2, 500));

        train.retainAll(eval);
        assertThat(train).isNotEmpty();
    }

    @Test
    void trainAndEvalNeverShareQuestions() {
        HeldOutSplit split = new HeldOutSplit(0.1);

        List<TaskExample> train = TWO_DIGIT.generate(1, 2_000, split, HeldOutSplit.Side.TRAIN);
        List<TaskExample> eval = TWO_DIGIT.generate(1, 500, split, HeldOutSplit.Side.EVAL);

        Set<String> shared = questions(train);
        shared.retainAll(questions(eval));
        assertThat(train).hasSize(2_000);
        assertThat(eval).hasSize(500);
        assertThat(shared).isEmpty();
        assertThat(eval).allMatch(e -> split.sideOf(e.question()) == HeldOutSplit.Side.EVAL);
        assertThat(train).allMatch(e -> split.sideOf(e.question()) == HeldOutSplit.Side.TRAIN);
    }

    @Test
    void splitIdsNameSide() {
        HeldOutSplit split = new HeldOutSplit(0.2);

        List<TaskExample> eval = TWO_DIGIT.generate(4, 2, split, HeldOutSplit.Side.EVAL);

        assertThat(eval).extracting(TaskExample::id).containsExactly("arith-eval-4-0", "arith-eval-4-1");
    }

    @Test
    void sideDependsOnlyOnQuestion() {
        HeldOutSplit first = new HeldOutSplit(0.1);
        HeldOutSplit second = new HeldOutSplit(0.1);

        for (TaskExample example : TWO_DIGIT.generate(3, 300)) {
            assertThat(second.sideOf(example.question())).isEqualTo(first.sideOf(example.question()));
        }
    }

    @Test
    void evalShareMatchesFraction() {
        HeldOutSplit split = new HeldOutSplit(0.1);
        List<TaskExample> examples = new ArithmeticTask(Difficulty.of(6, Operation.ADD)).generate(8, 20_000);

        long eval = examples.stream().filter(e -> split.contains(HeldOutSplit.Side.EVAL, e.question())).count();

        // 10% of 20,000 is 2,000, and the binomial standard deviation is about 42.
        assertThat(eval).isBetween(1_800L, 2_200L);
    }

    @Test
    void tooSmallSpaceFailsWithMessage() {
        ArithmeticTask oneDigit = new ArithmeticTask(Difficulty.of(1, Operation.ADD));
        HeldOutSplit split = new HeldOutSplit(0.0001);

        assertThatThrownBy(() -> oneDigit.generate(1, 10, split, HeldOutSplit.Side.EVAL))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("EVAL");
    }

    @Test
    void fractionOutsideRangeIsRejected() {
        assertThatThrownBy(() -> new HeldOutSplit(0.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeldOutSplit(1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HeldOutSplit(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Set<String> questions(List<TaskExample> examples) {
        return examples.stream().map(TaskExample::question).collect(Collectors.toCollection(HashSet::new));
    }
}
