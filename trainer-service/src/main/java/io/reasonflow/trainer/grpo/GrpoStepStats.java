package io.reasonflow.trainer.grpo;

/**
 * Figures of one GRPO step, over all its optimizer steps (mu passes times the minibatches).
 *
 * @param loss             total loss (policy loss plus beta times KL), mean over the optimizer steps
 * @param kl               aggregated k3 KL to the reference policy, mean over the optimizer steps
 * @param clipLow          share of completion tokens whose ratio was clipped at 1 - epsilon low
 * @param clipHigh         share of completion tokens whose ratio was clipped at 1 + epsilon high
 * @param sequences        completions in the batch
 * @param tokens           completion tokens in the loss mask of the batch
 * @param policyLoss       aggregated clipped surrogate loss, mean over the optimizer steps
 * @param dualClip         share of completion tokens bounded by the dual clip
 * @param meanRatio        mean ratio of the policy to the behaviour (or proximal) policy over completion tokens
 * @param importanceWeight mean importance weight of the decoupled objective (1 where it is not used)
 * @param importanceCapped share of completion tokens whose importance weight was capped
 * @param staleSequences   completions sampled by an older policy version than the one the step started from
 * @param gradientNorm     mean global gradient norm before clipping, over the optimizer steps taken
 * @param learningRate     learning rate of the last optimizer step
 * @param optimizerSteps   optimizer steps taken; a minibatch without a token in the mask takes none
 * @param referenceReset   whether the KL reference was set to the policy after this step
 * @param entropy          mean entropy, in nats, of the policy's next-token distributions over the
 *                         completion tokens in the loss mask, over every pass of the step
 */
public record GrpoStepStats(double loss, double kl, double clipLow, double clipHigh, int sequences, int tokens,
        double policyLoss, double dualClip, double meanRatio, double importanceWeight, double importanceCapped,
        int staleSequences, double gradientNorm, double learningRate, int optimizerSteps, boolean referenceReset,
        double entropy) {

    /** Creates figures with the core values only; the others are 0, or 1 for the mean ratio and importance weight. */
    public GrpoStepStats(double loss, double kl, double clipLow, double clipHigh, int sequences, int tokens) {
        this(loss, kl, clipLow, clipHigh, sequences, tokens, loss, 0, 1, 1, 0, 0, 0, 0, 0, false, 0);
    }
}
