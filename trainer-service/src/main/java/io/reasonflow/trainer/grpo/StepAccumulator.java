package io.reasonflow.trainer.grpo;

/** Adds up the loss results of the micro-batches and the optimizer steps of one GRPO step. */
final class StepAccumulator {
    private double lossSum;
    private double policyLossSum;
    private double klSum;
    private long tokens;
    private double ratioSum;
    private long clippedLow;
    private long clippedHigh;
    private long dualClipped;
    private double importanceWeightSum;
    private long importanceCapped;
    private double gradientNormSum;
    private double learningRate;
    private int optimizerSteps;
    private double entropySum;

    /** Adds one micro-batch; its loss is part of the current minibatch's loss. */
    void add(GrpoLossResult result, double loss) {
        lossSum += loss;
        policyLossSum += result.policyLoss();
        klSum += result.kl();
        tokens += result.tokenCount();
        ratioSum += result.ratioSum();
        clippedLow += result.clippedLow();
        clippedHigh += result.clippedHigh();
        dualClipped += result.dualClipped();
        importanceWeightSum += result.importanceWeightSum();
        importanceCapped += result.importanceCapped();
    }

    /** Adds the summed entropy, in nats, of one micro-batch's completion tokens in the loss mask. */
    void addEntropy(double sum) {
        entropySum += sum;
    }

    /** Records the learning rate scheduled for the next minibatch, whether or not it takes a step. */
    void scheduled(double rate) {
        learningRate = rate;
    }

    /** Records an optimizer step that closed a minibatch. */
    void optimizerStep(double gradientNorm) {
        gradientNormSum += gradientNorm;
        optimizerSteps++;
    }

    /** Returns the step's figures; sums of minibatch losses become means over the optimizer steps. */
    GrpoStepStats stats(int sequences, int batchTokens, int staleSequences, boolean referenceReset) {
        double steps = Math.max(1, optimizerSteps);
        return new GrpoStepStats(lossSum / steps, klSum / steps, share(clippedLow), share(clippedHigh), sequences,
                batchTokens, policyLossSum / steps, share(dualClipped), tokens == 0 ? 1.0 : share(ratioSum),
                tokens == 0 ? 1.0 : share(importanceWeightSum), share(importanceCapped), staleSequences,
                gradientNormSum / steps, learningRate, optimizerSteps, referenceReset, share(entropySum));
    }

    private double share(double sum) {
        return tokens == 0 ? 0.0 : sum / tokens;
    }
}
