package io.reasonflow.reward;

import io.reasonflow.tasks.grading.AccuracyGrader;
import io.reasonflow.tasks.grading.FormatGrader;
import io.reasonflow.tasks.grading.Grader;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The graders this service can run, by name. */
final class GraderRegistry {
    private static final Map<String, Supplier<Grader>> FACTORIES = Map.of(
            "accuracy", AccuracyGrader::new,
            "format", FormatGrader::strict);

    static final List<String> NAMES = FACTORIES.keySet().stream().sorted().toList();

    private GraderRegistry() {
    }

    static Grader create(String name) {
        Supplier<Grader> factory = FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown grader '" + name + "', known graders are " + NAMES);
        }
        return factory.get();
    }
}
