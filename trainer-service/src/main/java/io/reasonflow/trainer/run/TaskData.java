package io.reasonflow.trainer.run;

import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.arithmetic.ArithmeticTask;
import io.reasonflow.tasks.arithmetic.Difficulty;
import io.reasonflow.tasks.arithmetic.Operation;
import io.reasonflow.tasks.dataset.Gsm8kReader;
import io.reasonflow.tasks.split.HeldOutSplit;
import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.sft.SftPair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The training and held-out examples of a run. Generated arithmetic uses a hash split on the question
 * text, so no held-out question is ever trained on. A GSM8K file is split the same way. Examples whose
 * prompt is longer than {@code maxPromptTokens} are skipped and counted.
 *
 * @param name    task name
 * @param train   training examples
 * @param eval    held-out examples
 * @param skipped examples dropped because the prompt was too long
 */
public record TaskData(String name, List<TaskExample> train, List<TaskExample> eval, int skipped,
        List<SftPair> sftPairs) {

    /** Share of questions the hash split holds out. */
    static final double EVAL_FRACTION = 0.1;

    /**
     * Generates or reads the examples of {@code task}, splits them and skips prompts over the length limit.
     *
     * @throws IllegalArgumentException when either side is empty after skipping
     */
    public static TaskData load(TrainerProperties.Task task, long seed, Tokenizer tokenizer, PromptFactory prompts) {
        HeldOutSplit split = new HeldOutSplit(EVAL_FRACTION);
        List<TaskExample> train;
        List<TaskExample> eval;
        if ("gsm8k".equals(task.name()) || "jsonl".equals(task.name())) {
            List<TaskExample> all = readFile(task.name(), task.dataset());
            train = new ArrayList<>();
            eval = new ArrayList<>();
            if (task.evalDataset() != null) {
                // A separate held-out file: every line of the training file is trained on.
                train.addAll(all);
                eval.addAll(readFile(task.name(), task.evalDataset()));
            } else {
                for (TaskExample example : all) {
                    (split.sideOf(example.question()) == HeldOutSplit.Side.EVAL ? eval : train).add(example);
                }
            }
        } else {
            ArithmeticTask generator = new ArithmeticTask(Difficulty.of(task.digits(), Operation.ADD, Operation.SUBTRACT));
            train = generator.generate(seed, task.trainExamples(), split, HeldOutSplit.Side.TRAIN);
            eval = generator.generate(seed + 1, task.evalExamples(), split, HeldOutSplit.Side.EVAL);
        }

        int before = train.size() + eval.size();
        train = withinPromptLimit(train, task.maxPromptTokens(), tokenizer, prompts);
        eval = withinPromptLimit(eval, task.maxPromptTokens(), tokenizer, prompts);
        int skipped = before - train.size() - eval.size();
        if (task.trainExamples() > 0 && train.size() > task.trainExamples()) {
            train = train.subList(0, task.trainExamples());
        }
        if (eval.size() > task.evalExamples()) {
            eval = eval.subList(0, task.evalExamples());
        }

        if (train.isEmpty() || eval.isEmpty()) {
            throw new IllegalArgumentException("task " + task.name() + " has " + train.size() + " training and "
                    + eval.size() + " held-out examples after skipping prompts over " + task.maxPromptTokens()
                    + " tokens; both must be non-empty");
        }

        List<SftPair> pairs = new ArrayList<>();
        for (TaskExample example : train) {
            if (example.referenceCompletion() != null) {
                pairs.add(new SftPair(example.id(), PromptTokens.encode(tokenizer, prompts.promptText(example)),
                        tokenizer.encode(example.referenceCompletion())));
            }
        }
        return new TaskData(task.name(), List.copyOf(train), List.copyOf(eval), skipped, List.copyOf(pairs));
    }

    /**
     * Returns the cold-start pairs of generated arithmetic, with a share {@code shortTraceFraction} of the traces in
     * the short form of {@link ArithmeticTask#shortCompletion}. A shuffle seeded with {@code seed} picks them, and
     * the other examples keep the worked trace.
     */
    public List<SftPair> withShortTraces(double shortTraceFraction, long seed, Tokenizer tokenizer,
            PromptFactory prompts) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        int shortCount = (int) Math.round(shortTraceFraction * train.size());
        Set<Integer> shortOnes = new HashSet<>(order.subList(0, shortCount));

        List<SftPair> pairs = new ArrayList<>(train.size());
        for (int i = 0; i < train.size(); i++) {
            TaskExample example = train.get(i);
            String completion = shortOnes.contains(i) ? ArithmeticTask.shortCompletion(example.question())
                    : example.referenceCompletion();
            pairs.add(new SftPair(example.id(), PromptTokens.encode(tokenizer, prompts.promptText(example)),
                    tokenizer.encode(completion)));
        }
        return List.copyOf(pairs);
    }

    private static List<TaskExample> readFile(String format, java.nio.file.Path file) {
        return "jsonl".equals(format) ? new io.reasonflow.tasks.dataset.PromptAnswerReader().read(file)
                : new Gsm8kReader().read(file);
    }

    private static List<TaskExample> withinPromptLimit(List<TaskExample> examples, int maxPromptTokens, Tokenizer tokenizer,
            PromptFactory prompts) {
        List<TaskExample> fitting = new ArrayList<>(examples.size());
        for (TaskExample example : examples) {
            if (PromptTokens.encode(tokenizer, prompts.promptText(example)).length <= maxPromptTokens) {
                fitting.add(example);
            }
        }
        return fitting;
    }
}
