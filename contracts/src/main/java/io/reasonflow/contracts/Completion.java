package io.reasonflow.contracts;

/**
 * One sampled completion of a group.
 *
 * @param text         decoded completion text
 * @param tokenIds     sampled token ids, prompt excluded
 * @param logProbs     behaviour log-prob of each sampled token under the distribution actually sampled
 *                     from (temperature applied); same length as {@code tokenIds}
 * @param finishReason stop or length
 */
public record Completion(String text, int[] tokenIds, double[] logProbs, FinishReason finishReason) {

    public Completion {
        Checks.required(text, "completion.text");
        Checks.required(tokenIds, "completion.token_ids");
        Checks.required(logProbs, "completion.log_probs");
        Checks.required(finishReason, "completion.finish_reason");
        if (tokenIds.length != logProbs.length) {
            throw new InvalidMessageException("completion has " + tokenIds.length + " token_ids but "
                    + logProbs.length + " log_probs");
        }
        for (int i = 0; i < logProbs.length; i++) {
            if (!Double.isFinite(logProbs[i]) || logProbs[i] > 0) {
                throw new InvalidMessageException("completion.log_probs[" + i + "] is " + logProbs[i]
                        + ", expected a finite value <= 0");
            }
        }
    }
}
