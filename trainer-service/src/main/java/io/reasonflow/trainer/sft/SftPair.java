package io.reasonflow.trainer.sft;

/**
 * One supervised example: prompt token ids (BOS included) and the reference completion's token ids.
 * The loss covers the completion only.
 *
 * @param id names the example in error messages: a task example id, or {@code FILE:LINE}
 */
public record SftPair(String id, int[] promptIds, int[] completionIds) {
}
