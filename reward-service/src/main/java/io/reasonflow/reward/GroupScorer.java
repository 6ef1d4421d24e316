package io.reasonflow.reward;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.tasks.grading.Grader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores every completion of a group with each weighted grader. The total is the weighted sum of the
 * grader scores. When any grader returns null (cannot grade), the total is null, so the trainer leaves
 * that completion out instead of treating a missing score as zero.
 */
public class GroupScorer {
    private final Map<Grader, Double> weightedGraders = new LinkedHashMap<>();

    public GroupScorer(Map<String, Double> weights) {
        weights.forEach((name, weight) -> weightedGraders.put(GraderRegistry.create(name), weight));
    }

    public ScoredGroup score(RolloutGroup group) {
        String reference = group.prompt().referenceAnswer();
        List<CompletionScore> scores = new ArrayList<>();
        for (Completion completion : group.completions()) {
            scores.add(scoreOne(completion, reference));
        }
        return new ScoredGroup(Messages.SCHEMA_VERSION, group, scores);
    }

    private CompletionScore scoreOne(Completion completion, String reference) {
        Map<String, Double> byGrader = new LinkedHashMap<>();
        double total = 0;
        boolean complete = true;
        for (Map.Entry<Grader, Double> entry : weightedGraders.entrySet()) {
            Double score = entry.getKey().grade(completion.text(), reference, completion.tokenIds().length);
            byGrader.put(entry.getKey().name(), score);
            if (score == null) {
                complete = false;
            } else {
                total += entry.getValue() * score;
            }
        }
        return new CompletionScore(byGrader, complete ? total : null);
    }
}
