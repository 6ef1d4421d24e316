package io.reasonflow.reward;

import io.reasonflow.tasks.grading.AccuracyGrader;
import io.reasonflow.tasks.grading.FormatGrader;
import io.reasonflow.tasks.grading.Grader;
import io.reasonflow.tasks.grading.GraderCatalog;
import io.reasonflow.tasks.grading.LanguageConsistencyGrader;
import io.reasonflow.tasks.grading.OverlongGrader;
import io.reasonflow.tasks.grading.RepetitionGrader;
import java.util.List;

/**
 * The built-in graders this service can run, by name: those of {@link GraderCatalog} ({@code accuracy},
 * {@code format}, {@code format_partial}, {@code language_consistency}, {@code overlong},
 * {@code repetition}), created with the service's settings.
 */
final class GraderRegistry {

    static final List<String> NAMES = GraderCatalog.NAMES;

    private GraderRegistry() {
    }

    /** Creates a new grader named {@code name}; an unknown name is an {@link IllegalArgumentException}. */
    static Grader create(String name, RewardProperties.BuiltInGraders settings) {
        return switch (name) {
            case AccuracyGrader.NAME -> new AccuracyGrader(settings.accuracyTimeLimit());
            case FormatGrader.NAME -> FormatGrader.strict();
            case FormatGrader.PARTIAL_NAME -> FormatGrader.partial();
            case LanguageConsistencyGrader.NAME ->
                    new LanguageConsistencyGrader(LanguageConsistencyGrader.language(settings.language()));
            case OverlongGrader.NAME -> new OverlongGrader(settings.lengthUnit(), settings.overlongMaxLength(),
                    settings.overlongBuffer());
            case RepetitionGrader.NAME -> new RepetitionGrader(settings.repetitionNgramSize(),
                    settings.repetitionMaxPenalty());
            default -> GraderCatalog.create(name);
        };
    }
}
