package io.reasonflow.tasks.grading;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The graders available by name, each created with its default settings.
 *
 * <table>
 *   <caption>Graders</caption>
 *   <tr><th>name</th><th>grader</th></tr>
 *   <tr><td>{@code accuracy}</td><td>{@link AccuracyGrader} with its default time limit</td></tr>
 *   <tr><td>{@code format}</td><td>{@link FormatGrader#strict()}</td></tr>
 *   <tr><td>{@code format_partial}</td><td>{@link FormatGrader#partial()}</td></tr>
 *   <tr><td>{@code language_consistency}</td><td>{@link LanguageConsistencyGrader} for English</td></tr>
 *   <tr><td>{@code overlong}</td><td>{@link OverlongGrader} counting characters, with DAPO's maximum
 *       length 20,480 and buffer 4,096</td></tr>
 *   <tr><td>{@code repetition}</td><td>{@link RepetitionGrader} on word 4-grams, down to -1</td></tr>
 * </table>
 */
public final class GraderCatalog {

    private static final Map<String, Supplier<Grader>> FACTORIES = factories();

    /** Names of all graders, sorted. */
    public static final List<String> NAMES = FACTORIES.keySet().stream().sorted().toList();

    private GraderCatalog() {}

    private static Map<String, Supplier<Grader>> factories() {
        Map<String, Supplier<Grader>> factories = new LinkedHashMap<>();
        factories.put(AccuracyGrader.NAME, AccuracyGrader::new);
        factories.put(FormatGrader.NAME, FormatGrader::strict);
        factories.put(FormatGrader.PARTIAL_NAME, FormatGrader::partial);
        factories.put(LanguageConsistencyGrader.NAME, LanguageConsistencyGrader::new);
        // NOTE: characters, because Grader#grade(String, String) carries no token count.
        factories.put(OverlongGrader.NAME, () -> new OverlongGrader(OverlongGrader.LengthUnit.CHARACTERS,
                OverlongGrader.DEFAULT_MAX_LENGTH, OverlongGrader.DEFAULT_BUFFER));
        factories.put(RepetitionGrader.NAME, RepetitionGrader::new);
        return Map.copyOf(factories);
    }

    /** Returns whether a grader is named {@code name}. */
    public static boolean isKnown(String name) {
        return FACTORIES.containsKey(name);
    }

    /**
     * Creates a new instance of the grader named {@code name}.
     *
     * @throws IllegalArgumentException when no grader has that name; the message lists the known ones
     */
    public static Grader create(String name) {
        Supplier<Grader> factory = FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown grader '" + name + "', known graders are " + NAMES);
        }
        return factory.get();
    }
}
