package io.reasonflow.reward;

import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.reward.plugin.GroupGrader;
import io.reasonflow.tasks.grading.Grader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores the completions of a group and combines every grader's score into a total.
 *
 * <p>The built-in graders run here, per completion; HTTP graders are called once per group. Scores
 * from Kafka graders arrive separately and are passed to {@link #combine}. The total is the weighted
 * sum over the graders whose weight is above 0. When any of those returns null (cannot grade), the
 * total is null, so the trainer leaves that completion out instead of treating a missing score as 0.
 * The exceptions are optional graders, whose null leaves the total to the other graders. A grader
 * with weight 0 is reported and never changes the total.
 *
 * <p>Not thread-safe: built-in graders keep counters, so each stream task creates its own scorer.
 */
public class GroupScorer {
    private final RewardProperties properties;
    private final Map<String, Grader> builtIn = new LinkedHashMap<>();
    private final List<GroupGrader> groupGraders;

    public GroupScorer(RewardProperties properties, List<GroupGrader> groupGraders) {
        this.properties = properties;
        for (String name : properties.builtInGraders()) {
            builtIn.put(name, GraderRegistry.create(name, properties.graders()));
        }
        this.groupGraders = List.copyOf(groupGraders);
    }

    /** A scorer with the given weights, default grader settings and no plug-in graders. */
    public GroupScorer(Map<String, Double> weights) {
        this(RewardProperties.withWeights(weights), List.of());
    }

    /** Scores and combines in one step, as for a service without Kafka graders. */
    public ScoredGroup score(RolloutGroup group) {
        RolloutView view = RolloutView.of(group);
        return new ScoredGroup(Messages.SCHEMA_VERSION, group, combine(ownScores(view), Map.of()));
    }

    /**
     * Scores of the built-in and HTTP graders, one map (grader name to score) per completion.
     */
    public List<Map<String, Double>> ownScores(RolloutView group) {
        String reference = group.prompt().referenceAnswer();
        List<Map<String, Double>> scores = new ArrayList<>();
        for (RolloutView.CompletionView completion : group.completions()) {
            Map<String, Double> byGrader = new LinkedHashMap<>();
            builtIn.forEach((name, grader) ->
                    byGrader.put(name, grader.grade(completion.text(), reference, completion.tokenCount())));
            scores.add(byGrader);
        }
        for (GroupGrader grader : groupGraders) {
            List<Double> groupScores = grader.grade(group).scores();
            for (int i = 0; i < scores.size(); i++) {
                scores.get(i).put(grader.name(), i < groupScores.size() ? groupScores.get(i) : null);
            }
        }
        return scores;
    }

    /**
     * Combines the scores computed here with the Kafka graders' scores, one entry per completion.
     *
     * @param partials scores per Kafka grader name, one per completion, in the group's order
     */
    public List<CompletionScore> combine(List<Map<String, Double>> own, Map<String, List<Double>> partials) {
        List<CompletionScore> scores = new ArrayList<>(own.size());
        for (int i = 0; i < own.size(); i++) {
            Map<String, Double> byGrader = new LinkedHashMap<>(own.get(i));
            for (String name : properties.kafkaGraders()) {
                List<Double> values = partials.get(name);
                byGrader.put(name, values == null ? null : values.get(i));
            }
            scores.add(new CompletionScore(byGrader, total(byGrader)));
        }
        return scores;
    }

    private Double total(Map<String, Double> byGrader) {
        double total = 0;
        for (Map.Entry<String, Double> entry : byGrader.entrySet()) {
            double weight = properties.weightOf(entry.getKey());
            if (weight == 0) {
                continue;
            }
            if (entry.getValue() == null) {
                if (properties.optionalGraders().contains(entry.getKey())) {
                    continue;
                }
                return null;
            }
            total += weight * entry.getValue();
        }
        return total;
    }
}
