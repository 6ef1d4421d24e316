package io.reasonflow.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Counts over the whole batch of one optimizer step that a {@link LossAggregation} divides by.
 *
 * <p>Computing them over the whole batch, not per micro-batch, is what makes gradient accumulation
 * exact: the micro-batch losses then add up to the loss of the whole batch, however it is split.
 *
 * @param sequences completions in the batch, masked-out ones included
 * @param nonEmptySequences completions with at least one token in the mask
 * @param tokens tokens in the mask
 */
public record BatchTotals(long sequences, long nonEmptySequences, long tokens) {

    /** Rejects negative and inconsistent counts. */
    public BatchTotals {
        if (sequences < 0 || nonEmptySequences < 0 || nonEmptySequences > sequences || tokens < nonEmptySequences) {
            throw new IllegalArgumentException("inconsistent batch totals: " + sequences + " sequences, "
                    + nonEmptySequences + " non-empty, " + tokens + " tokens");
        }
    }

    /** Counts the totals from the number of masked tokens of each completion. */
    public static BatchTotals ofLengths(int[] maskedLengths) {
        long nonEmpty = 0;
        long tokens = 0;
        for (int length : maskedLengths) {
            if (length < 0) {
                throw new IllegalArgumentException("negative masked length " + length);
            }
            nonEmpty += length > 0 ? 1 : 0;
            tokens += length;
        }
        return new BatchTotals(maskedLengths.length, nonEmpty, tokens);
    }

    /** Counts the totals of a mask [B, T] of the whole batch, whose positive entries mark the masked tokens. */
    public static BatchTotals ofMask(NDArray mask) {
        long rows = mask.getShape().get(0);
        long columns = mask.getShape().get(1);
        float[] values = mask.toType(DataType.FLOAT32, false).toFloatArray();
        int[] lengths = new int[Math.toIntExact(rows)];
        for (int row = 0; row < rows; row++) {
            for (int t = 0; t < columns; t++) {
                lengths[row] += values[(int) (row * columns + t)] > 0 ? 1 : 0;
            }
        }
        return ofLengths(lengths);
    }
}
