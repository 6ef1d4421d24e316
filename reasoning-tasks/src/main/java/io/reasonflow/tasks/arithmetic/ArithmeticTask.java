package io.reasonflow.tasks.arithmetic;

import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.split.HeldOutSplit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;

/**
 * Procedural multi-digit arithmetic with a reference solver that writes a column-by-column trace.
 *
 * <p>Questions are compact, for example {@code 472+389}, and the reference completion is
 * {@code <think>\n<trace lines>\n</think>\n<answer>N</answer>} with the lines from
 * {@link ColumnTrace}. Generation uses {@link java.util.Random}, whose algorithm the Java
 * specification fixes, so the same seed and settings give the same examples on every JVM.
 *
 * <p>Held-out evaluation: {@link #generate(long, int, HeldOutSplit, HeldOutSplit.Side)} keeps only
 * questions on one side of a hash-based {@link HeldOutSplit}, so train and eval sets made with the
 * same split never share a question. Plain {@link #generate(long, int)} ignores the split. Neither
 * method removes duplicate questions within one batch, which only matter for very small digit
 * counts.
 */
public final class ArithmeticTask {

    /** Task name stored in {@link TaskExample#task()}. */
    public static final String TASK_NAME = "arithmetic";

    private static final int MIN_MULTIPLIER = 2;
    private static final int DRAWS_PER_EXAMPLE = 1_000;

    private final Difficulty difficulty;
    private final List<Operation> operations;

    /** Creates a generator with the given settings. */
    public ArithmeticTask(Difficulty difficulty) {
        this.difficulty = Objects.requireNonNull(difficulty, "difficulty");
        this.operations = difficulty.orderedOperations();
    }

    /** Returns the settings of this generator. */
    public Difficulty difficulty() {
        return difficulty;
    }

    /**
     * Generates {@code count} examples from {@code seed}, with ids {@code arith-<seed>-<index>}.
     */
    public List<TaskExample> generate(long seed, int count) {
        requireNonNegative(count);
        Random random = new Random(seed);
        List<TaskExample> examples = new ArrayList<>(count);
        for (int index = 0; index < count; index++) {
            examples.add(draw(random, "arith-" + seed + "-" + index));
        }
        return examples;
    }

    /**
     * Generates {@code count} examples whose questions all lie on {@code side} of {@code split},
     * with ids {@code arith-<side>-<seed>-<index>} (side in lower case).
     *
     * @throws IllegalStateException when {@value #DRAWS_PER_EXAMPLE} draws per requested example
     *     do not find enough questions, which means the question space is too small for the split
     */
    public List<TaskExample> generate(
            long seed, int count, HeldOutSplit split, HeldOutSplit.Side side) {
        requireNonNegative(count);
        Random random = new Random(seed);
        String prefix = "arith-" + side.name().toLowerCase(Locale.ROOT) + "-" + seed + "-";
        List<TaskExample> examples = new ArrayList<>(count);
        long maxDraws = (long) DRAWS_PER_EXAMPLE * count;
        for (long draws = 0; examples.size() < count; draws++) {
            if (draws >= maxDraws) {
                throw new IllegalStateException("Found only " + examples.size() + " of " + count
                        + " questions on the " + side + " side after " + draws
                        + " draws; use more digits or a different eval fraction");
            }
            TaskExample example = draw(random, prefix + examples.size());
            if (split.contains(side, example.question())) {
                examples.add(example);
            }
        }
        return examples;
    }

    /** Computes the exact result of {@code left op right}. */
    public static long solve(long left, Operation operation, long right) {
        return operation.apply(left, right);
    }

    /** Computes the exact result of a generated question such as {@code 472+389}. */
    public static long solve(String question) {
        ParsedQuestion parsed = ParsedQuestion.parse(question);
        return solve(parsed.left(), parsed.operation(), parsed.right());
    }

    /**
     * Writes the reference completion of a generated question:
     * {@code <think>\n<trace>\n</think>\n<answer>N</answer>}.
     */
    public static String referenceCompletion(String question) {
        ParsedQuestion parsed = ParsedQuestion.parse(question);
        List<String> lines = ColumnTrace.lines(parsed.left(), parsed.operation(), parsed.right());
        long result = solve(parsed.left(), parsed.operation(), parsed.right());
        return "<think>\n" + String.join("\n", lines) + "\n</think>\n<answer>" + result
                + "</answer>";
    }

    /**
     * Writes the short completion of a generated question, which restates the question and gives the
     * result without the column lines: {@code <think>\n472+389\n=861\n</think>\n<answer>861</answer>}.
     */
    public static String shortCompletion(String question) {
        ParsedQuestion parsed = ParsedQuestion.parse(question);
        long result = solve(parsed.left(), parsed.operation(), parsed.right());
        return "<think>\n" + question + "\n=" + result + "\n</think>\n<answer>" + result + "</answer>";
    }

    /**
     * Checks an example against the solver: the answer must equal the exact result and the
     * reference completion must be exactly the one the solver writes.
     */
    public static boolean verify(TaskExample example) {
        long expected = solve(example.question());
        return Long.toString(expected).equals(example.answer())
                && referenceCompletion(example.question()).equals(example.referenceCompletion());
    }

    private TaskExample draw(Random random, String id) {
        Operation operation = operations.get(random.nextInt(operations.size()));
        long left = randomOperand(random);
        long right = operation == Operation.MULTIPLY
                ? MIN_MULTIPLIER + random.nextInt(10 - MIN_MULTIPLIER)
                : randomOperand(random);
        if (operation == Operation.SUBTRACT && left < right) {
            long swap = left;
            left = right;
            right = swap;
        }
        String question = Long.toString(left) + operation.symbol() + right;
        String answer = Long.toString(solve(left, operation, right));
        return new TaskExample(id, TASK_NAME, question, answer, referenceCompletion(question));
    }

    /** Draws an operand digit by digit, so only {@link Random#nextInt(int)} is needed. */
    private long randomOperand(Random random) {
        int span = difficulty.maxDigits() - difficulty.minDigits() + 1;
        int digits = difficulty.minDigits() + random.nextInt(span);
        if (digits == 1) {
            return random.nextInt(10);
        }
        long value = 1 + random.nextInt(9);
        for (int i = 1; i < digits; i++) {
            value = value * 10 + random.nextInt(10);
        }
        return value;
    }

    private static void requireNonNegative(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
    }
}
