package io.reasonflow.contracts;

import java.util.List;

/**
 * A rollout group with the scores of each completion (topic {@code reasonflow.scored}, key = group id).
 *
 * @param schemaVersion message schema version
 * @param group         the rollout group as received
 * @param scores        one entry per completion, in the order of {@code group.completions}
 */
public record ScoredGroup(int schemaVersion, RolloutGroup group, List<CompletionScore> scores) {

    public ScoredGroup {
        Checks.schema(schemaVersion);
        Checks.required(group, "group");
        Checks.required(scores, "scores");
        scores = List.copyOf(scores);
        Checks.sameSize(scores, "scores", group.completions().size(), "group.completions");
    }

    public String groupId() {
        return group.groupId();
    }
}
