package io.reasonflow.trainer.sft;

/**
 * One supervised example: prompt token ids (BOS included) and the reference completion's token ids.
 * The loss covers the completion only.
 */
public record SftPair(int[] promptIds, int[] completionIds) {
}
