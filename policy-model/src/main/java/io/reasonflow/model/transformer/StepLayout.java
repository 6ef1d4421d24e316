package io.reasonflow.model.transformer;

/**
 * Position ids and attention pattern of one forward call, computed in Java from the padding mask of the new
 * tokens and, when decoding incrementally, the cached keys.
 *
 * <p>Rows are left-padded. A token's position is the number of real tokens up to and including it, minus one,
 * clamped at 0, so padding never shifts the positions of real tokens. Query t may attend to key j when key j is a
 * real token and j is not in the future ({@code j <= past + t}).
 */
final class StepLayout {
    /**
     * Bias of a masked score: the most negative float, as Hugging Face uses. A query whose keys are all masked (a
     * padding position) then gets uniform weights instead of NaN.
     */
    static final float MASKED = -Float.MAX_VALUE;

    final int batchSize;
    final int queryLength;
    final int keyLength;
    final int pastLength;
    /** Position id of each new token, [B*T] row-major. */
    final float[] positions;
    /** Added to the attention score of query t of row b for key j: 0 when allowed, else {@link #MASKED}. [B*T*S] */
    final float[] attentionBias;
    /** Whether each key, cached and new, is a real token, [B*S] row-major. */
    final boolean[] keyIsReal;
    /** Real tokens per row after this call. */
    final int[] realCounts;

    private StepLayout(int batchSize, int queryLength, int pastLength) {
        this.batchSize = batchSize;
        this.queryLength = queryLength;
        this.pastLength = pastLength;
        this.keyLength = pastLength + queryLength;
        this.positions = new float[batchSize * queryLength];
        this.attentionBias = new float[batchSize * queryLength * keyLength];
        this.keyIsReal = new boolean[batchSize * keyLength];
        this.realCounts = new int[batchSize];
    }

    /**
     * Builds the layout for new tokens with padding mask {@code mask} [B*T] (non-zero = real token).
     *
     * @param cache          the cache the call extends, or null for a full forward pass
     * @param maxPositions   max_position_embeddings; a row with more real tokens is rejected
     * @throws IllegalArgumentException when a row has more real tokens than {@code maxPositions}
     */
    static StepLayout build(long[] mask, int batchSize, int queryLength, KvCache cache, int maxPositions) {
        int past = cache == null ? 0 : cache.length();
        StepLayout layout = new StepLayout(batchSize, queryLength, past);
        for (int row = 0; row < batchSize; row++) {
            layout.fillRow(row, mask, cache, maxPositions);
        }
        return layout;
    }

    private void fillRow(int row, long[] mask, KvCache cache, int maxPositions) {
        int realCount = cache == null ? 0 : cache.realCount(row);
        for (int j = 0; j < pastLength; j++) {
            keyIsReal[row * keyLength + j] = cache.isReal(row, j);
        }
        for (int t = 0; t < queryLength; t++) {
            boolean real = mask[row * queryLength + t] != 0;
            keyIsReal[row * keyLength + pastLength + t] = real;
            realCount += real ? 1 : 0;
            positions[row * queryLength + t] = Math.max(realCount - 1, 0);
        }
        if (realCount > maxPositions) {
            throw new IllegalArgumentException("row " + row + " has " + realCount + " real tokens, more than "
                    + "max_position_embeddings = " + maxPositions);
        }
        realCounts[row] = realCount;
        for (int t = 0; t < queryLength; t++) {
            int base = (row * queryLength + t) * keyLength;
            int lastVisible = pastLength + t;
            for (int j = 0; j < keyLength; j++) {
                boolean allowed = j <= lastVisible && keyIsReal[row * keyLength + j];
                attentionBias[base + j] = allowed ? 0f : MASKED;
            }
        }
    }
}
