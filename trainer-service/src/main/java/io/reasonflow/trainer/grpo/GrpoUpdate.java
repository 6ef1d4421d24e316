package io.reasonflow.trainer.grpo;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.training.AdamW;
import io.reasonflow.model.training.SequenceBatch;
import io.reasonflow.model.training.TokenLogProbs;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.trainer.TrainerProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * One GRPO optimizer step over a batch of scored groups: group-relative advantages of the weighted
 * total reward (per group id), per-token log-probs of the completions under the policy and the frozen
 * reference at the sampling temperature, the clipped objective against the behaviour log-probs the
 * rollout worker recorded, the k3 KL penalty, backward and an AdamW step.
 */
public class GrpoUpdate implements AutoCloseable {
    private final PolicyModel policy;
    private final PolicyModel reference;
    private final Tokenizer tokenizer;
    private final TrainerProperties.Grpo settings;
    private final GrpoLoss loss;
    private final GroupAdvantages advantages = new GroupAdvantages(GroupStd.sample());
    private final AdamW optimizer;

    public GrpoUpdate(PolicyModel policy, PolicyModel reference, Tokenizer tokenizer, TrainerProperties.Grpo settings) {
        this.policy = policy;
        this.reference = reference;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.loss = new GrpoLoss(policy.manager(), GrpoLossConfig.grpo(settings.epsilonLow(), settings.beta())
                .withEpsilons(settings.epsilonLow(), settings.epsilonHigh()));
        this.optimizer = new AdamW(AdamW.Options.defaults(settings.learningRate()));
        policy.setTrainable(true);
    }

    public GrpoStepStats step(List<ScoredGroup> groups) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        List<float[]> behaviour = new ArrayList<>();
        List<String> groupIds = new ArrayList<>();
        List<Double> rewards = new ArrayList<>();
        double temperature = groups.get(0).group().prompt().sampling().temperature();
        for (ScoredGroup group : groups) {
            requireTemperature(group, temperature);
            int[] promptIds = PromptTokens.encode(tokenizer, group.group().prompt().text());
            for (int i = 0; i < group.group().completions().size(); i++) {
                Completion completion = group.group().completions().get(i);
                CompletionScore score = group.scores().get(i);
                prompts.add(promptIds);
                completions.add(completion.tokenIds());
                behaviour.add(toFloats(completion.logProbs()));
                groupIds.add(group.groupId());
                rewards.add(score.total());
            }
        }
        double[] advantage = advantages.forBatch(groupIds, rewards.toArray(Double[]::new));
        return optimize(prompts, completions, behaviour, advantage, (float) (1.0 / temperature));
    }

    private GrpoStepStats optimize(List<int[]> prompts, List<int[]> completions, List<float[]> behaviour,
            double[] advantage, float inverseTemperature) {
        NDArray inverse = policy.scalars().of(inverseTemperature);
        try (NDManager scope = policy.manager().newSubManager();
                SequenceBatch batch = new SequenceBatch(scope, prompts, completions, tokenizer.padId(),
                        policy.config().maxPositionEmbeddings())) {
            NDArray behaviourLogProbs = batch.alignCompletionValues(scope, behaviour);
            NDArray referenceLogProbs = TokenLogProbs.compute(reference, batch, inverse);
            NDArray advantages = scope.create(toFloats(advantage));
            GrpoLossResult result;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logProbs = TokenLogProbs.compute(policy, batch, inverse);
                result = loss.compute(logProbs, behaviourLogProbs, referenceLogProbs, advantages,
                        batch.completionMask());
                collector.backward(result.loss());
            }
            double total = result.loss().getFloat();
            optimizer.step(policy);
            return new GrpoStepStats(total, result.meanKl(), result.clipFractionLow(), result.clipFractionHigh(),
                    batch.batchSize(), batch.completionTokenCount());
        }
    }

    private static void requireTemperature(ScoredGroup group, double temperature) {
        if (group.group().prompt().sampling().temperature() != temperature) {
            throw new IllegalArgumentException("group " + group.groupId() + " was sampled at temperature "
                    + group.group().prompt().sampling().temperature() + " but the batch at " + temperature
                    + "; a GRPO batch needs one temperature so the log-prob ratios are comparable");
        }
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    @Override
    public void close() {
        try (loss; optimizer) {
            // both close, even when the first close fails
        }
    }
}
