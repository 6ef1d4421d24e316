package io.reasonflow.trainer.checkpoint;

import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.trainer.io.InputPosition;
import io.reasonflow.trainer.ledger.Ledger;
import java.util.List;
import java.util.Map;

/**
 * {@code trainer-state.json}: everything besides tensors that a resumed run needs to continue exactly.
 *
 * @param attempt           how many resumes preceded the attempt that wrote this (0 for an uninterrupted run)
 * @param step              GRPO steps completed
 * @param policyVersion     the policy version of the checkpoint's weights
 * @param trainCursor       index of the next training example to publish (modulo the training set)
 * @param nextGroup         number of the next prompt group
 * @param promptSeedState   state of the generator of the prompts' sampling seeds ({@link CheckpointRandom})
 * @param sftFinalLoss      loss of the last cold-start SFT step, or null when SFT ran no step
 * @param wallSeconds       run time up to this checkpoint, over every attempt
 * @param grpoSeconds       GRPO time up to this checkpoint, over every attempt
 * @param versionsSeenInRollouts policy versions that generated the groups read so far
 * @param evaluations       the evaluations so far, by stage, as the summary reports them
 * @param ledger            the ledger, with the groups buffered but not yet trained as its replay set
 * @param unsettledPrompts  prompts of the groups not yet trained (in flight or buffered), published again when the
 *                          resume runs against another cluster
 * @param inputs            the position in {@code reasonflow.scored} from which records are still needed, and in
 *                          the dead-letter topics
 * @param dynamicSamplingSkips groups dynamic sampling had dropped in a row when the checkpoint was written
 */
public record TrainerState(int attempt, int step, long policyVersion, int trainCursor, long nextGroup,
        long promptSeedState, Double sftFinalLoss, double wallSeconds, double grpoSeconds,
        List<Long> versionsSeenInRollouts, Map<String, Object> evaluations, Ledger.State ledger,
        List<PromptMessage> unsettledPrompts, InputPosition inputs, int dynamicSamplingSkips) {
}
