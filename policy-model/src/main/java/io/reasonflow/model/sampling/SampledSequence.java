package io.reasonflow.model.sampling;

/**
 * One sampled completion.
 *
 * @param tokenIds new tokens only, prompt excluded; a stop id or stop sequence that ended the completion is
 *                 included
 * @param logProbs log-probability of each token under the distribution it was sampled from (see
 *                 {@link TokenSelector}); same length as {@code tokenIds}
 * @param stopped  true when a stop id or stop sequence ended the completion, false when it hit maxNewTokens
 */
public record SampledSequence(int[] tokenIds, float[] logProbs, boolean stopped) {

    public SampledSequence {
        if (tokenIds.length != logProbs.length) {
            throw new IllegalArgumentException(tokenIds.length + " token ids but " + logProbs.length + " log-probs");
        }
    }
}
