package io.reasonflow.contracts;

import java.util.List;
import java.util.Map;

/**
 * Scores from one plug-in grader for one group (topic {@code reasonflow.rewards}, key = group id).
 *
 * @param schemaVersion message schema version
 * @param groupId       the scored group
 * @param grader        grader name
 * @param scores        one score per completion; null means ungradable
 * @param details       free-form grader details
 */
public record PartialScores(int schemaVersion, String groupId, String grader, List<Double> scores,
        Map<String, Object> details) {

    public PartialScores {
        Checks.schema(schemaVersion);
        Checks.requiredText(groupId, "group_id");
        Checks.requiredText(grader, "grader");
        Checks.required(scores, "scores");
        for (int i = 0; i < scores.size(); i++) {
            Checks.finiteOrNull(scores.get(i), "scores[" + i + "]");
        }
        scores = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(scores));
        details = details == null ? Map.of() : details;
    }
}
