package io.reasonflow.reward.plugin;

import io.reasonflow.reward.RolloutView;
import java.util.List;
import java.util.Map;

/**
 * A grader that scores all completions of a group in one call, such as a grader behind an HTTP
 * endpoint. The reward service calls it on its processing thread, so an implementation bounds the
 * time of each call.
 */
public interface GroupGrader extends AutoCloseable {

    /** Name under which the scores are reported. */
    String name();

    /**
     * Scores every completion of {@code group}. It does not throw for a grader-side failure, because the
     * result then contains a null score for every completion and the reason in its details.
     */
    GroupScores grade(RolloutView group);

    @Override
    default void close() {
    }

    /**
     * Scores of one group.
     *
     * @param scores  one score per completion, in the group's order; null means ungradable
     * @param details what the grader reported besides the scores, or why it could not grade
     */
    record GroupScores(List<Double> scores, Map<String, Object> details) {
        public GroupScores {
            scores = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(scores));
            details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
        }
    }
}
