package io.reasonflow.contracts;

import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * One sampled completion of a group.
 *
 * @param text         decoded completion text
 * @param tokenIds     sampled token ids, prompt excluded
 * @param logProbs     behaviour log-prob of each sampled token under the distribution actually sampled
 *                     from (temperature applied); same length as {@code tokenIds}
 * @param finishReason stop or length
 *
 * <p>In JSON the ids and log-probs are either arrays ({@code token_ids}, {@code log_probs}) or packed as base64 of
 * little-endian int32 and float32 ({@code token_ids_b64}, {@code log_probs_b64}); see {@link CompletionJson}.
 */
@JsonSerialize(using = CompletionJson.Writer.class)
@JsonDeserialize(using = CompletionJson.Reader.class)
public record Completion(String text, int[] tokenIds, double[] logProbs, FinishReason finishReason) {

    public Completion {
        Checks.required(tokenIds, "completion.token_ids");
        Checks.required(logProbs, "completion.log_probs");
        check(text, finishReason, tokenIds.length, logProbs.length);
        for (int i = 0; i < logProbs.length; i++) {
            if (!Double.isFinite(logProbs[i]) || logProbs[i] > 0) {
                throw new InvalidMessageException("completion.log_probs[" + i + "] is " + logProbs[i]
                        + ", expected a finite value <= 0");
            }
        }
    }

    /**
     * Checks the fields of a completion other than the values of its arrays, for this record and for
     * any other view of the same message.
     *
     * @throws InvalidMessageException naming the first invalid field
     */
    public static void check(String text, FinishReason finishReason, int tokenCount, int logProbCount) {
        Checks.required(text, "completion.text");
        Checks.required(finishReason, "completion.finish_reason");
        if (tokenCount != logProbCount) {
            throw new InvalidMessageException("completion has " + tokenCount + " token_ids but "
                    + logProbCount + " log_probs");
        }
    }
}
