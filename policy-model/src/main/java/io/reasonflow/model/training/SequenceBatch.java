package io.reasonflow.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.tensor.OwnedArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Prompt + completion pairs as one left-padded training batch.
 *
 * <p>Row b contains padding, then prompt b, then completion b, so all completions end at the last column. With T the
 * longest prompt + completion:
 * <ul>
 *   <li>{@code inputIds} int64 [B,T]: the tokens, {@code padId} in padding;</li>
 *   <li>{@code attentionMask} int64 [B,T]: 1 for prompt and completion tokens, 0 for padding;</li>
 *   <li>{@code completionMask} float32 [B,T-1]: 1 at position t when token t+1 is a completion token that counts,
 *       which lines up with the per-token log-probs of {@link TokenLogProbs}.</li>
 * </ul>
 * Which completion tokens count is decided by position. Without end-of-sequence ids, all of them. With them, a
 * completion counts up to and including its first EOS; whatever follows (right padding, a second EOS) is excluded.
 * This applies also when the padding id is itself an EOS id, because the first EOS is found by position, not by value.
 * A sequence longer than {@code maxLength} is rejected rather than truncated, because cutting the prompt would
 * silently change the task. The arrays live on a sub-manager of the given manager until {@link #close()}.
 */
public final class SequenceBatch implements AutoCloseable {
    private final NDManager manager;
    private final NDArray inputIds;
    private final NDArray attentionMask;
    private final NDArray completionMask;
    private final int[] promptLengths;
    private final int[] completionLengths;
    private final int[] keptLengths;
    private final int length;

    /**
     * Builds a batch without a length limit of its own. {@link io.reasonflow.model.transformer.PolicyModel#forward}
     * still rejects rows longer than max_position_embeddings.
     */
    public SequenceBatch(NDManager manager, List<int[]> promptIds, List<int[]> completionIds, int padId) {
        this(manager, promptIds, completionIds, padId, Integer.MAX_VALUE);
    }

    /**
     * Builds a batch in which every completion token counts.
     *
     * @param promptIds     non-empty prompts
     * @param completionIds completions, one per prompt (may be empty)
     * @param padId         token id written into padding
     * @param maxLength     longest allowed prompt + completion, normally max_position_embeddings
     * @throws IllegalArgumentException when the lists differ in size or are empty, a prompt is empty, or a
     *                                  sequence is longer than {@code maxLength}
     */
    public SequenceBatch(NDManager manager, List<int[]> promptIds, List<int[]> completionIds, int padId,
            int maxLength) {
        this(manager, promptIds, completionIds, padId, maxLength, Set.of());
    }

    /**
     * Builds a batch whose completion mask ends at each completion's first end-of-sequence token.
     *
     * @param promptIds     non-empty prompts
     * @param completionIds completions, one per prompt (may be empty, may be right-padded)
     * @param padId         token id written into the left padding; it may be one of {@code eosIds}
     * @param maxLength     longest allowed prompt + completion, normally max_position_embeddings
     * @param eosIds        ids that end a completion; empty to count every completion token
     * @throws IllegalArgumentException when the lists differ in size or are empty, a prompt is empty, or a
     *                                  sequence is longer than {@code maxLength}
     */
    public SequenceBatch(NDManager manager, List<int[]> promptIds, List<int[]> completionIds, int padId,
            int maxLength, Set<Integer> eosIds) {
        if (promptIds.isEmpty() || promptIds.size() != completionIds.size()) {
            throw new IllegalArgumentException("expected the same non-zero number of prompts and completions, got "
                    + promptIds.size() + " prompts and " + completionIds.size() + " completions");
        }
        int batch = promptIds.size();
        this.promptLengths = new int[batch];
        this.completionLengths = new int[batch];
        this.keptLengths = new int[batch];
        int longest = 0;
        for (int row = 0; row < batch; row++) {
            promptLengths[row] = promptIds.get(row).length;
            completionLengths[row] = completionIds.get(row).length;
            keptLengths[row] = keptLength(completionIds.get(row), eosIds);
            int total = promptLengths[row] + completionLengths[row];
            if (promptLengths[row] == 0) {
                throw new IllegalArgumentException("prompt " + row + " is empty");
            }
            if (total > maxLength) {
                throw new IllegalArgumentException("sequence " + row + " has " + total + " tokens (prompt "
                        + promptLengths[row] + " + completion " + completionLengths[row] + "), more than the "
                        + "maximum " + maxLength);
            }
            longest = Math.max(longest, total);
        }
        this.length = longest;
        this.manager = manager.newSubManager();
        long[] ids = new long[batch * length];
        long[] mask = new long[batch * length];
        float[] targets = new float[batch * (length - 1)];
        for (int row = 0; row < batch; row++) {
            fillRow(row, promptIds.get(row), completionIds.get(row), padId, ids, mask, targets);
        }
        this.inputIds = OwnedArrays.keep(OwnedArrays.of(this.manager, ids, new Shape(batch, length)));
        this.attentionMask = OwnedArrays.keep(OwnedArrays.of(this.manager, mask, new Shape(batch, length)));
        this.completionMask = OwnedArrays.keep(OwnedArrays.of(this.manager, targets, new Shape(batch, length - 1)));
    }

    private void fillRow(int row, int[] prompt, int[] completion, int padId, long[] ids, long[] mask,
            float[] targets) {
        int start = row * length;
        int padding = length - prompt.length - completion.length;
        Arrays.fill(ids, start, start + padding, padId);
        for (int i = 0; i < prompt.length; i++) {
            ids[start + padding + i] = prompt[i];
        }
        int completionStart = padding + prompt.length;
        for (int i = 0; i < completion.length; i++) {
            ids[start + completionStart + i] = completion[i];
        }
        for (int i = 0; i < keptLengths[row]; i++) {
            // Position t - 1 predicts token t, so it is a target exactly when token t is a kept completion token.
            targets[row * (length - 1) + completionStart + i - 1] = 1f;
        }
        Arrays.fill(mask, start + padding, start + length, 1L);
    }

    /** Returns int64 token ids [B,T]. */
    public NDArray inputIds() {
        return inputIds;
    }

    /** Returns the int64 padding mask [B,T]. */
    public NDArray attentionMask() {
        return attentionMask;
    }

    /** Returns the float32 mask [B,T-1] of positions whose next token is a completion token. */
    public NDArray completionMask() {
        return completionMask;
    }

    public int batchSize() {
        return promptLengths.length;
    }

    /** Returns T, the padded sequence length. */
    public int length() {
        return length;
    }

    /** Returns the number of tokens given for the completion of {@code row}, including any after its first EOS. */
    public int completionLength(int row) {
        return completionLengths[row];
    }

    /** Returns the number of completion tokens of {@code row} that count: up to and including its first EOS. */
    public int keptLength(int row) {
        return keptLengths[row];
    }

    /**
     * Returns how many leading tokens of {@code completion} count: up to and including the first token in
     * {@code eosIds}, or all of them when there is none.
     */
    public static int keptLength(int[] completion, Set<Integer> eosIds) {
        for (int i = 0; i < completion.length; i++) {
            if (eosIds.contains(completion[i])) {
                return i + 1;
            }
        }
        return completion.length;
    }

    /** Returns the number of completion tokens that count, the positions set in {@link #completionMask()}. */
    public int completionTokenCount() {
        int count = 0;
        for (int kept : keptLengths) {
            count += kept;
        }
        return count;
    }

    /**
     * Spreads one value per completion token into a float32 [B,T-1] array aligned with {@link #completionMask()},
     * zero elsewhere. Typical uses are behaviour log-probs from the sampler and per-token advantages.
     *
     * @param values one array per row, each as long as that row's completion
     */
    public NDArray alignCompletionValues(NDManager target, List<float[]> values) {
        if (values.size() != batchSize()) {
            throw new IllegalArgumentException(values.size() + " value arrays for a batch of " + batchSize());
        }
        float[] aligned = new float[batchSize() * (length - 1)];
        for (int row = 0; row < batchSize(); row++) {
            float[] rowValues = values.get(row);
            if (rowValues.length != completionLengths[row]) {
                throw new IllegalArgumentException("row " + row + " has " + rowValues.length + " values for "
                        + completionLengths[row] + " completion tokens");
            }
            int first = (row + 1) * (length - 1) - completionLengths[row];
            System.arraycopy(rowValues, 0, aligned, first, rowValues.length);
        }
        return OwnedArrays.of(target, aligned, new Shape(batchSize(), length - 1));
    }

    /**
     * Extracts the completion positions of a [B,T-1] array, one float array per row as long as its completion, the
     * inverse of alignment. Entries past {@link #keptLength(int)} lie outside the completion mask.
     */
    public List<float[]> completionValues(NDArray perPosition) {
        float[] data = perPosition.toType(DataType.FLOAT32, false).toFloatArray();
        List<float[]> rows = new ArrayList<>();
        for (int row = 0; row < batchSize(); row++) {
            int end = (row + 1) * (length - 1);
            rows.add(Arrays.copyOfRange(data, end - completionLengths[row], end));
        }
        return rows;
    }

    @Override
    public void close() {
        manager.close();
    }
}
