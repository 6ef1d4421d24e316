package io.reasonflow.reward;

import io.reasonflow.tasks.grading.Grader;
import io.reasonflow.tasks.grading.GraderCatalog;
import java.util.List;

/**
 * The graders this service can run, by name: those of {@link GraderCatalog} ({@code accuracy},
 * {@code format}, {@code format_partial}, {@code language_consistency}, {@code overlong},
 * {@code repetition}), each with its default settings.
 */
final class GraderRegistry {

    static final List<String> NAMES = GraderCatalog.NAMES;

    private GraderRegistry() {
    }

    /** Creates a new grader named {@code name}; an unknown name is an {@link IllegalArgumentException}. */
    static Grader create(String name) {
        return GraderCatalog.create(name);
    }
}
