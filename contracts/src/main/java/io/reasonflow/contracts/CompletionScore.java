package io.reasonflow.contracts;

import java.util.Map;

/**
 * The scores of one completion.
 *
 * @param graderScores score per grader name; a null value means the grader could not grade it
 * @param total        weighted total over the graders that returned a score; null when none did
 */
public record CompletionScore(Map<String, Double> graderScores, Double total) {

    public CompletionScore {
        Checks.required(graderScores, "scores.grader_scores");
        graderScores.forEach((name, score) -> Checks.finiteOrNull(score, "scores.grader_scores." + name));
        graderScores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(graderScores));
        Checks.finiteOrNull(total, "scores.total");
    }
}
