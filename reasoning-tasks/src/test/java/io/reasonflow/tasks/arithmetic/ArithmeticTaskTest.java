package io.reasonflow.tasks.arithmetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.grading.AccuracyGrader;
import io.reasonflow.tasks.grading.FormatGrader;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArithmeticTaskTest {

    private static final Difficulty ALL_OPERATIONS =
            new Difficulty(1, 6, EnumSet.allOf(Operation.class));

    @Test
    void sameSeedGivesSameExamples() {
        ArithmeticTask task = new ArithmeticTask(ALL_OPERATIONS);

        List<TaskExample> first = task.generate(42, 200);
        List<TaskExample> second = task.generate(42, 200);

        assertThat(second).isEqualTo(first);
    }

    @Test
    void differentSeedsGiveDifferentExamples() {
        ArithmeticTask task = new ArithmeticTask(ALL_OPERATIONS);

        List<String> first = questions(task.generate(1, 50));
        List<String> second = questions(task.generate(2, 50));

        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void idsNameSeedAndIndex() {
        List<TaskExample> examples = new ArithmeticTask(ALL_OPERATIONS).generate(7, 3);

        assertThat(examples).extracting(TaskExample::id)
                .containsExactly("arith-7-0", "arith-7-1", "arith-7-2");
        assertThat(examples).extracting(TaskExample::task).containsOnly("arithmetic");
    }

    @Test
    void additionTraceWritesCarries() {
        String expected = "<think>\n472+389\n2+9=11 write 1 carry 1\n7+8+1=16 write 6 carry 1\n"
                + "4+3+1=8 write 8\n=861\n</think>\n<answer>861</answer>";

        assertThat(ArithmeticTask.referenceCompletion("472+389")).isEqualTo(expected);
        assertThat(expected.length()).isLessThan(120);
    }

    @Test
    void additionTraceWritesFinalCarryAndShortOperand() {
        String expected = "<think>\n999+1\n9+1=10 write 0 carry 1\n9+1=10 write 0 carry 1\n"
                + "9+1=10 write 0 carry 1\nwrite 1\n=1000\n</think>\n<answer>1000</answer>";
        assertThat(ArithmeticTask.referenceCompletion("999+1")).isEqualTo(expected);

        String noCarry = "<think>\n52+7\n2+7=9 write 9\n5 write 5\n=59\n</think>\n<answer>59</answer>";
        assertThat(ArithmeticTask.referenceCompletion("52+7")).isEqualTo(noCarry);
    }

    @Test
    void subtractionTraceWritesBorrows() {
        String expected = "<think>\n503-178\n13-8=5 write 5 borrow 1\n10-1-7=2 write 2 borrow 1\n"
                + "5-1-1=3 write 3\n=325\n</think>\n<answer>325</answer>";

        assertThat(ArithmeticTask.referenceCompletion("503-178")).isEqualTo(expected);
    }

    @Test
    void subtractionTraceBorrowsThroughZeros() {
        String expected = "<think>\n1000-1\n10-1=9 write 9 borrow 1\n10-1=9 write 9 borrow 1\n"
                + "10-1=9 write 9 borrow 1\n1-1=0 write 0\n=999\n</think>\n<answer>999</answer>";

        assertThat(ArithmeticTask.referenceCompletion("1000-1")).isEqualTo(expected);
    }

    @Test
    void multiplicationTraceWritesCarries() {
        String expected = "<think>\n472*3\n2*3=6 write 6\n7*3=21 write 1 carry 2\n"
                + "4*3+2=14 write 4 carry 1\nwrite 1\n=1416\n</think>\n<answer>1416</answer>";

        assertThat(ArithmeticTask.referenceCompletion("472*3")).isEqualTo(expected);
    }

    @Test
    void solverComputesExactResults() {
        assertThat(ArithmeticTask.solve("472+389")).isEqualTo(861);
        assertThat(ArithmeticTask.solve("503-178")).isEqualTo(325);
        assertThat(ArithmeticTask.solve("472*3")).isEqualTo(1416);
        assertThat(ArithmeticTask.solve(999_999_999_999L, Operation.ADD, 1)).isEqualTo(1_000_000_000_000L);
    }

    @Test
    void solverRejectsMalformedQuestions() {
        assertThatThrownBy(() -> ArithmeticTask.solve("12/4"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ArithmeticTask.solve("12+"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ArithmeticTask.solve("abc"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batchOfThousandVerifiesAgainstSolver() {
        List<TaskExample> examples = new ArithmeticTask(ALL_OPERATIONS).generate(2024, 1_000);

        assertThat(examples).hasSize(1_000);
        for (TaskExample example : examples) {
            assertThat(ArithmeticTask.verify(example)).as(example.question()).isTrue();
            long replayed = TraceChecker.replay(example.referenceCompletion());
            assertThat(replayed).as(example.question()).isEqualTo(ArithmeticTask.solve(example.question()));
            assertThat(Long.toString(replayed)).as(example.question()).isEqualTo(example.answer());
        }
    }

    @Test
    void batchCoversEveryOperation() {
        List<TaskExample> examples = new ArithmeticTask(ALL_OPERATIONS).generate(2024, 1_000);

        for (Operation operation : Operation.values()) {
            assertThat(examples).as(operation.name())
                    .anyMatch(e -> e.question().indexOf(operation.symbol()) > 0);
        }
    }

    @Test
    void subtractionResultsAreNeverNegative() {
        List<TaskExample> examples = new ArithmeticTask(Difficulty.of(3, Operation.SUBTRACT)).generate(5, 500);

        assertThat(examples).allMatch(e -> Long.parseLong(e.answer()) >= 0);
    }

    @Test
    void threeDigitAdditionTracesStayShort() {
        List<TaskExample> examples = new ArithmeticTask(Difficulty.of(3, Operation.ADD)).generate(9, 1_000);
        String longest = ArithmeticTask.referenceCompletion("999+999");

        for (TaskExample example : examples) {
            String completion = example.referenceCompletion();
            assertThat(example.question()).hasSize(7);
            assertThat(thinkContent(completion).length()).as(example.question())
                    .isLessThanOrEqualTo(thinkContent(longest).length());
            assertThat(completion.length()).as(example.question()).isLessThanOrEqualTo(longest.length());
        }
        // Every column carries and a final carry is written, the longest three-digit case.
        assertThat(thinkContent(longest).length()).isEqualTo(94);
        assertThat(longest.length()).isEqualTo(133);
    }

    @Test
    void verifyRejectsWrongAnswer() {
        TaskExample good = new ArithmeticTask(ALL_OPERATIONS).generate(3, 1).get(0);
        long wrong = Long.parseLong(good.answer()) + 1;
        TaskExample bad = new TaskExample(good.id(), good.task(), good.question(),
                Long.toString(wrong), good.referenceCompletion());

        assertThat(ArithmeticTask.verify(bad)).isFalse();
    }

    @Test
    void difficultyRejectsInvalidRanges() {
        assertThatThrownBy(() -> new Difficulty(0, 3, EnumSet.of(Operation.ADD)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Difficulty(4, 3, EnumSet.of(Operation.ADD)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Difficulty(1, 19, EnumSet.of(Operation.ADD)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Difficulty(1, 3, EnumSet.noneOf(Operation.class)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shortCompletionGivesTheResultWithoutColumns() {
        String completion = ArithmeticTask.shortCompletion("472-389");

        assertThat(completion).isEqualTo("<think>\n472-389\n=83\n</think>\n<answer>83</answer>");
        assertThat(FormatGrader.strict().grade(completion, "83")).isEqualTo(1.0);
        assertThat(new AccuracyGrader().grade(completion, "83")).isEqualTo(1.0);
    }

    @Test
    void maximumDigitsStayInsideLong() {
        Difficulty widest = new Difficulty(18, 18, EnumSet.allOf(Operation.class));

        List<TaskExample> examples = new ArithmeticTask(widest).generate(11, 300);

        assertThat(examples).allMatch(ArithmeticTask::verify);
    }

    private static String thinkContent(String completion) {
        return completion.substring("<think>\n".length(), completion.indexOf("\n</think>"));
    }

    private static List<String> questions(List<TaskExample> examples) {
        List<String> questions = new ArrayList<>();
        examples.forEach(e -> questions.add(e.question()));
        return questions;
    }
}
