package io.reasonflow.trainer.base;

import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.arithmetic.ArithmeticTask;
import io.reasonflow.tasks.arithmetic.Difficulty;
import io.reasonflow.tasks.arithmetic.Operation;
import io.reasonflow.tasks.prompt.PromptTemplate;
import io.reasonflow.tasks.split.HeldOutSplit;
import io.reasonflow.trainer.sft.SftPair;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The text of base pretraining: plain arithmetic lines such as {@code 472+389=861}, the answer right after the
 * equals sign, with no reasoning, no tags and no prompt template.
 *
 * <p>Each operand has from 1 to the task's digit count digits, so the corpus also contains the one-digit sums and
 * differences that the column traces of cold-start SFT are made of. Questions come only from the training side of
 * the held-out split, so no held-out question is ever trained on. Each line, ended by a newline, is one training
 * sequence after BOS, and the loss covers all of it. Lines are not packed together, because a model trained to
 * predict an unrelated next line learns to disregard what came before, and a trace starts by copying the question.
 */
public final class BaseCorpus {

    /** Maximum number of distinct sequences generated. A longer stage goes through them again in a new order. */
    static final int MAX_SEQUENCES = 20_000;

    /**
     * Prompt of the base evaluation: the question and {@code =}, which the model completes with the rest of the
     * line. The base model has never seen the chat template, so it is evaluated the way it was trained.
     */
    public static final PromptTemplate EQUATION = new PromptTemplate("plain-equation", "", "=");

    /** Sampling of the base evaluation ends with the line. */
    public static final List<String> STOP = List.of("\n");

    private BaseCorpus() {
    }

    /**
     * Generates {@code count} lines {@code <question>=<answer>} from {@code seed}, with operands of 1 to
     * {@code maxDigits} digits and questions on the training side of {@code split} only.
     */
    public static List<String> lines(int maxDigits, long seed, int count, HeldOutSplit split) {
        ArithmeticTask generator = new ArithmeticTask(
                new Difficulty(1, maxDigits, EnumSet.of(Operation.ADD, Operation.SUBTRACT)));
        List<String> lines = new ArrayList<>(count);
        for (TaskExample example : generator.generate(seed, count, split, HeldOutSplit.Side.TRAIN)) {
            lines.add(example.question() + "=" + example.answer());
        }
        return lines;
    }

    /**
     * Returns the training sequences of a stage of {@code sequences} sequences (at most {@value #MAX_SEQUENCES}
     * distinct ones): each is BOS as the prompt and one line with its newline as the completion, so
     * {@link io.reasonflow.trainer.sft.SftTrainer} trains on the whole text.
     */
    public static List<SftPair> sequences(int maxDigits, long seed, int sequences, HeldOutSplit split,
            Tokenizer tokenizer) {
        if (sequences < 1) {
            throw new IllegalArgumentException("sequences is " + sequences + ", expected >= 1");
        }
        List<String> lines = lines(maxDigits, seed, Math.min(sequences, MAX_SEQUENCES), split);
        int[] prompt = {tokenizer.bosId()};
        List<SftPair> pairs = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            pairs.add(new SftPair("base-" + i, prompt, tokenizer.encode(lines.get(i) + "\n")));
        }
        return pairs;
    }
}
