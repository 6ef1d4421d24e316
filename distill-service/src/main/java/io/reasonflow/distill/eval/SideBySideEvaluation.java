package io.reasonflow.distill.eval;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.reward.GroupScorer;
import io.reasonflow.rollout.GroupGenerator;
import io.reasonflow.tasks.grading.AccuracyGrader;
import io.reasonflow.tasks.grading.FormatGrader;
import io.reasonflow.trainer.eval.EvalAggregator;
import io.reasonflow.trainer.eval.EvalSamples;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Evaluates teacher and student on the same held-out prompts with the trainer's protocol, in this process: the
 * rollout service's {@link GroupGenerator} samples k completions per prompt, the reward service's
 * {@link GroupScorer} grades them with the accuracy and strict format graders, and the trainer's
 * {@link EvalAggregator} computes pass@1, maj@k, the format rate and the mean length.
 *
 * <p>The evaluation does not go over Kafka, because a rollout service serves every prompt with the newest version
 * of the one run it follows; it cannot sample the teacher's run and the student's side by side. Both models are
 * given the same prompt messages, whose sampling seeds fix each row's random stream, so the two differ only by
 * their weights.
 */
public final class SideBySideEvaluation {
    /** Sequences sampled together, the rollout service's default batch. */
    private static final int BATCH_SEQUENCES = 64;
    /** The reward service's default weights; the evaluation figures read only the per-grader scores. */
    private static final Map<String, Double> WEIGHTS = Map.of(AccuracyGrader.NAME, 1.0, FormatGrader.NAME, 0.2);

    private final GroupGenerator generator;
    private final List<PromptMessage> prompts;
    private final String runId;
    private final String dataset;

    /**
     * @param prompts held-out prompts with the evaluation's sampling settings, purpose {@code eval}
     * @param runId   run id under which the results are published
     * @param dataset dataset name recorded with the results
     */
    public SideBySideEvaluation(Tokenizer tokenizer, List<PromptMessage> prompts, String runId, String dataset) {
        this.generator = new GroupGenerator(tokenizer, BATCH_SEQUENCES, runId + "-eval");
        this.prompts = List.copyOf(prompts);
        this.runId = runId;
        this.dataset = dataset;
    }

    /**
     * Samples and grades every prompt with {@code model}, and returns the figures with a few graded completions.
     *
     * @param stage         stage name of the result, for example {@code teacher} or {@code student-distilled}
     * @param policyVersion the model's policy version, recorded with the result
     */
    public Evaluation evaluate(String stage, PolicyModel model, long policyVersion, long seed) {
        List<RolloutGroup> groups = generator.generate(prompts, model, policyVersion, seed);
        GroupScorer scorer = new GroupScorer(WEIGHTS);
        List<ScoredGroup> scored = new ArrayList<>(groups.size());
        for (RolloutGroup group : groups) {
            scored.add(scorer.score(group));
        }
        return new Evaluation(EvalAggregator.aggregate(runId, stage, policyVersion, dataset, scored),
                EvalAggregator.examples(scored, EvalSamples.PER_STAGE));
    }

    /**
     * The figures of one model's evaluation and a few of its graded completions.
     *
     * @param examples the first completion of the first {@value EvalSamples#PER_STAGE} groups by id, as the
     *                 trainer keeps them in {@code eval-samples/}
     */
    public record Evaluation(EvalResult result, List<Map<String, Object>> examples) {
    }
}
