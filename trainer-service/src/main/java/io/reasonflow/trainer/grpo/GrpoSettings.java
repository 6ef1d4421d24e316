package io.reasonflow.trainer.grpo;

import io.reasonflow.model.training.AdamW;
import io.reasonflow.model.training.WarmupCosineSchedule;
import io.reasonflow.trainer.TrainerProperties;

/** Turns the GRPO properties into the strategy objects that implement each option. */
public final class GrpoSettings {
    private GrpoSettings() {
    }

    /**
     * Returns the advantage calculator of {@code advantage-scaling}, {@code std-estimator} and
     * {@code advantage-epsilon}.
     */
    public static GroupAdvantages advantages(TrainerProperties.Grpo grpo) {
        AdvantageScaling scaling = switch (grpo.scaling()) {
            case GROUP_STD -> new GroupStd(grpo.estimator(), grpo.advantageEpsilon());
            case BATCH_STD -> new BatchStd(grpo.estimator(), grpo.advantageEpsilon());
            case NONE -> new NoScaling();
        };
        return new GroupAdvantages(scaling);
    }

    /** Returns the aggregation of {@code loss-aggregation}; the constant normaliser uses {@code max-new-tokens}. */
    public static LossAggregation aggregation(TrainerProperties.Grpo grpo) {
        return switch (grpo.aggregation()) {
            case SEQUENCE_MEAN -> new SequenceMean();
            case TOKEN_MEAN -> new TokenMean();
            case CONSTANT -> new ConstantNormaliser(grpo.maxNewTokens());
        };
    }

    /** Returns the loss settings: clip range, beta, dual clip, aggregation and importance-weight cap. */
    public static GrpoLossConfig loss(TrainerProperties.Grpo grpo) {
        return new GrpoLossConfig(grpo.epsilonLow(), grpo.epsilonHigh(), grpo.beta(),
                grpo.dualClip() == 0 ? null : grpo.dualClip(), aggregation(grpo), grpo.importanceWeightCap());
    }

    /** Returns the learning-rate schedule over all optimizer steps of the run. */
    public static WarmupCosineSchedule schedule(TrainerProperties.Grpo grpo) {
        int total = grpo.steps() * grpo.optimizerStepsPerStep();
        return new WarmupCosineSchedule(grpo.learningRate(), grpo.warmupSteps(), total, grpo.minLearningRateRatio());
    }

    /** Returns AdamW settings with the default betas and epsilon and the configured decay and clipping. */
    public static AdamW.Options optimizer(TrainerProperties.Grpo grpo) {
        AdamW.Options defaults = AdamW.Options.defaults(grpo.learningRate());
        return new AdamW.Options(grpo.learningRate(), defaults.beta1(), defaults.beta2(), defaults.epsilon(),
                grpo.weightDecay(), grpo.maxGradNorm());
    }
}
