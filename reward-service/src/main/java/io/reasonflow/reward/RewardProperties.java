package io.reasonflow.reward;

import io.reasonflow.reward.plugin.HttpGraderSettings;
import io.reasonflow.tasks.grading.AccuracyGrader;
import io.reasonflow.tasks.grading.GraderCatalog;
import io.reasonflow.tasks.grading.LanguageConsistencyGrader;
import io.reasonflow.tasks.grading.OverlongGrader;
import io.reasonflow.tasks.grading.RepetitionGrader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

/**
 * Settings of the reward service ({@code reasonflow.reward.*}).
 *
 * @param weights      weight of each grader in a completion's total, by grader name
 *                     ({@code reasonflow.reward.weights.<name>}). A built-in grader runs only when it
 *                     has a weight. A plug-in grader (Kafka or HTTP) is always waited for or called,
 *                     but counts in the total only with a weight above 0. The default is
 *                     {@code accuracy} 1.0 and {@code format} 0.2.
 * @param kafkaGraders names of plug-in graders that publish partial scores to {@code reasonflow.rewards};
 *                     a group is published once each of them has reported
 * @param optionalGraders graders whose null score means "nothing to grade here": the completion's total
 *                     is then the weighted sum of the other graders. A null from any other weighted
 *                     grader makes the total null. Every null is still reported and counted.
 * @param mergeTimeout how long a group waits for the Kafka graders' scores before it goes to
 *                     {@code reasonflow.rollouts.dlq} with the names of the graders still missing
 *                     (default 60 s; a number without a unit means seconds)
 * @param httpGraders  plug-in graders called over HTTP, by name
 * @param graders      settings of the built-in graders
 * @param streams      Kafka Streams settings of the scoring topology
 * @param maxRecordBytes largest value, in bytes, of a record on {@code reasonflow.rollouts} or
 *                     {@code reasonflow.rewards} that the service reads (default
 *                     {@value #DEFAULT_MAX_RECORD_BYTES}). A larger one goes to its dead-letter topic without
 *                     its value.
 */
@ConfigurationProperties(prefix = "reasonflow.reward", ignoreUnknownFields = false)
public record RewardProperties(Map<String, Double> weights, List<String> kafkaGraders, List<String> optionalGraders,
        @DurationUnit(ChronoUnit.SECONDS) Duration mergeTimeout, Map<String, HttpGraderProperties> httpGraders,
        BuiltInGraders graders, Streams streams, Integer maxRecordBytes) {

    /**
     * Default of {@code max-record-bytes}: 1,000,000 bytes, 48,576 below the 1 MiB that Kafka producers
     * send by default ({@code max.request.size}), which leaves room for the scores that the scored group
     * adds to the rollout.
     */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_000_000;

    private static final String PREFIX = "reasonflow.reward.";
    private static final Duration DEFAULT_MERGE_TIMEOUT = Duration.ofSeconds(60);

    public RewardProperties {
        if (weights == null || weights.isEmpty()) {
            weights = new LinkedHashMap<>(Map.of("accuracy", 1.0, "format", 0.2));
        }
        kafkaGraders = kafkaGraders == null ? List.of() : List.copyOf(kafkaGraders);
        optionalGraders = optionalGraders == null ? List.of() : List.copyOf(optionalGraders);
        mergeTimeout = mergeTimeout == null ? DEFAULT_MERGE_TIMEOUT : mergeTimeout;
        httpGraders = httpGraders == null ? Map.of() : Map.copyOf(httpGraders);
        graders = graders == null ? BuiltInGraders.defaults() : graders;
        streams = streams == null ? Streams.defaults() : streams;
        maxRecordBytes = maxRecordBytes == null ? DEFAULT_MAX_RECORD_BYTES : maxRecordBytes;
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException(PREFIX + "max-record-bytes is " + maxRecordBytes
                    + ", expected a positive number of bytes such as " + DEFAULT_MAX_RECORD_BYTES);
        }
        if (mergeTimeout.isNegative() || mergeTimeout.isZero()) {
            throw new IllegalArgumentException(PREFIX + "merge-timeout is " + mergeTimeout.toMillis()
                    + " ms, expected a positive duration such as 60s");
        }
        checkNames(weights, kafkaGraders, httpGraders);
        for (String name : optionalGraders) {
            if (!GraderCatalog.isKnown(name) && !kafkaGraders.contains(name) && !httpGraders.containsKey(name)) {
                throw new IllegalArgumentException(PREFIX + "optional-graders names '" + name
                        + "', which is neither a built-in grader " + GraderCatalog.NAMES + " nor a configured plug-in "
                        + "grader; list only graders that run");
            }
        }
    }

    /** Properties with the given weights and every other setting at its default. */
    public static RewardProperties withWeights(Map<String, Double> weights) {
        return new RewardProperties(new LinkedHashMap<>(weights), null, null, null, null, null, null, null);
    }

    /** Names of the built-in graders that run: those with a weight. */
    public List<String> builtInGraders() {
        return weights.keySet().stream().filter(GraderCatalog::isKnown).toList();
    }

    /** Weight of {@code grader} in the total, 0 when it has none. */
    public double weightOf(String grader) {
        return weights.getOrDefault(grader, 0.0);
    }

    private static void checkNames(Map<String, Double> weights, List<String> kafkaGraders,
            Map<String, HttpGraderProperties> httpGraders) {
        Set<String> plugins = new LinkedHashSet<>();
        for (String name : kafkaGraders) {
            checkPluginName(name, PREFIX + "kafka-graders");
            if (!plugins.add(name)) {
                throw new IllegalArgumentException(PREFIX + "kafka-graders names '" + name
                        + "' twice; list each grader once");
            }
        }
        for (String name : httpGraders.keySet()) {
            checkPluginName(name, PREFIX + "http-graders." + name);
            httpGraders.get(name).toSettings(name);
            if (!plugins.add(name)) {
                throw new IllegalArgumentException("grader '" + name + "' is configured both in " + PREFIX
                        + "kafka-graders and in " + PREFIX + "http-graders; give each grader one source");
            }
        }
        weights.forEach((name, weight) -> {
            if (!GraderCatalog.isKnown(name) && !plugins.contains(name)) {
                throw new IllegalArgumentException(PREFIX + "weights." + name + ": unknown grader '" + name
                        + "'; built-in graders are " + GraderCatalog.NAMES
                        + ", and a plug-in grader must be listed in " + PREFIX + "kafka-graders or configured under "
                        + PREFIX + "http-graders." + name + ".url");
            }
            if (weight == null || !Double.isFinite(weight) || weight < 0) {
                throw new IllegalArgumentException(PREFIX + "weights." + name + " is " + weight
                        + ", expected a finite number >= 0");
            }
        });
    }

    private static void checkPluginName(String name, String property) {
        if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException(property + ": grader name '" + name
                    + "' is not valid; use lower-case letters, digits and '_', starting with a letter");
        }
        if (GraderCatalog.isKnown(name)) {
            throw new IllegalArgumentException(property + ": '" + name
                    + "' is the name of a built-in grader; give the plug-in grader another name");
        }
    }

    /**
     * One grader behind an HTTP endpoint ({@code reasonflow.reward.http-graders.<name>.*}); unset values
     * take the defaults of {@link HttpGraderSettings}.
     */
    public record HttpGraderProperties(URI url, Duration timeout, Integer maxAttempts, Duration retryWait,
            Float failureRateThreshold, Integer minimumCalls, Integer slidingWindowSize, Duration openDuration,
            Long maxResponseBytes) {

        /** Returns the settings of grader {@code name}, with defaults for what is unset. */
        public HttpGraderSettings toSettings(String name) {
            return new HttpGraderSettings(name, url, timeout,
                    maxAttempts == null ? HttpGraderSettings.DEFAULT_MAX_ATTEMPTS : maxAttempts, retryWait,
                    failureRateThreshold == null ? HttpGraderSettings.DEFAULT_FAILURE_RATE_THRESHOLD
                            : failureRateThreshold,
                    minimumCalls == null ? HttpGraderSettings.DEFAULT_MINIMUM_CALLS : minimumCalls,
                    slidingWindowSize == null ? HttpGraderSettings.DEFAULT_SLIDING_WINDOW_SIZE : slidingWindowSize,
                    openDuration,
                    maxResponseBytes == null ? HttpGraderSettings.DEFAULT_MAX_RESPONSE_BYTES : maxResponseBytes);
        }
    }

    /**
     * Settings of the built-in graders ({@code reasonflow.reward.graders.*}).
     *
     * @param accuracyTimeLimit     time limit of one symbolic comparison (default 2 s)
     * @param language              target language of {@code language_consistency}: en, zh, ja, ko or ru
     * @param overlongMaxLength     length at which {@code overlong} reaches -1 (default 20,480)
     * @param overlongBuffer        length of the ramp below the maximum (default 4,096)
     * @param overlongUnit          {@code tokens} (default; the rollout's token count) or {@code characters}
     * @param repetitionNgramSize   words per n-gram of {@code repetition} (default 4)
     * @param repetitionMaxPenalty  score of fully repeated text (default -1)
     */
    public record BuiltInGraders(@DurationUnit(ChronoUnit.SECONDS) Duration accuracyTimeLimit, String language,
            Integer overlongMaxLength,
            Integer overlongBuffer, String overlongUnit, Integer repetitionNgramSize, Double repetitionMaxPenalty) {

        public BuiltInGraders {
            accuracyTimeLimit = accuracyTimeLimit == null ? AccuracyGrader.DEFAULT_TIME_LIMIT : accuracyTimeLimit;
            language = language == null ? "en" : language;
            overlongMaxLength = overlongMaxLength == null ? OverlongGrader.DEFAULT_MAX_LENGTH : overlongMaxLength;
            overlongBuffer = overlongBuffer == null ? OverlongGrader.DEFAULT_BUFFER : overlongBuffer;
            overlongUnit = overlongUnit == null ? "tokens" : overlongUnit;
            repetitionNgramSize = repetitionNgramSize == null ? RepetitionGrader.DEFAULT_NGRAM_SIZE : repetitionNgramSize;
            repetitionMaxPenalty = repetitionMaxPenalty == null ? RepetitionGrader.DEFAULT_MAX_PENALTY
                    : repetitionMaxPenalty;
            String graders = PREFIX + "graders.";
            if (accuracyTimeLimit.isNegative() || accuracyTimeLimit.isZero()) {
                throw new IllegalArgumentException(graders + "accuracy-time-limit is " + accuracyTimeLimit.toMillis()
                        + " ms, expected a positive duration such as 2s");
            }
            try {
                LanguageConsistencyGrader.language(language);
            } catch (IllegalArgumentException e) {
                // Not chained: start-up failure reports show the innermost message, which lacks the property.
                throw new IllegalArgumentException(graders + "language: " + e.getMessage());
            }
            if (overlongMaxLength < 1 || overlongBuffer < 1 || overlongBuffer > overlongMaxLength) {
                throw new IllegalArgumentException(graders + "overlong-max-length is " + overlongMaxLength + " and "
                        + graders + "overlong-buffer is " + overlongBuffer + ", expected 1 <= buffer <= max length");
            }
            lengthUnit(overlongUnit);
            if (repetitionNgramSize < 1) {
                throw new IllegalArgumentException(graders + "repetition-ngram-size is " + repetitionNgramSize
                        + ", expected at least 1");
            }
            if (!Double.isFinite(repetitionMaxPenalty) || repetitionMaxPenalty > 0) {
                throw new IllegalArgumentException(graders + "repetition-max-penalty is " + repetitionMaxPenalty
                        + ", expected a finite number <= 0");
            }
        }

        static BuiltInGraders defaults() {
            return new BuiltInGraders(null, null, null, null, null, null, null);
        }

        OverlongGrader.LengthUnit lengthUnit() {
            return lengthUnit(overlongUnit);
        }

        private static OverlongGrader.LengthUnit lengthUnit(String unit) {
            return switch (unit.strip().toLowerCase(Locale.ROOT)) {
                case "tokens" -> OverlongGrader.LengthUnit.TOKENS;
                case "characters" -> OverlongGrader.LengthUnit.CHARACTERS;
                default -> throw new IllegalArgumentException(PREFIX + "graders.overlong-unit is '" + unit
                        + "', expected tokens or characters");
            };
        }
    }

    /**
     * Kafka Streams settings ({@code reasonflow.reward.streams.*}).
     *
     * @param applicationId  Kafka Streams application id: consumer group, transactional id prefix and
     *                       prefix of the internal changelog topic (default {@code reasonflow-reward})
     * @param stateDir       directory of local state (default {@code <java.io.tmpdir>/reasonflow-reward-state})
     * @param threads        stream threads, each scoring its own partitions (default 1)
     * @param commitInterval how often a transaction commits (default 20 ms)
     */
    public record Streams(String applicationId, Path stateDir, Integer threads, Duration commitInterval) {

        public Streams {
            applicationId = applicationId == null || applicationId.isBlank() ? "reasonflow-reward" : applicationId;
            stateDir = stateDir == null ? Path.of(System.getProperty("java.io.tmpdir"), "reasonflow-reward-state")
                    : stateDir;
            threads = threads == null ? 1 : threads;
            commitInterval = commitInterval == null ? Duration.ofMillis(20) : commitInterval;
            if (threads < 1) {
                throw new IllegalArgumentException(PREFIX + "streams.threads is " + threads + ", expected at least 1");
            }
            if (commitInterval.isNegative() || commitInterval.isZero()) {
                throw new IllegalArgumentException(PREFIX + "streams.commit-interval is " + commitInterval.toMillis()
                        + " ms, expected a positive duration such as 20ms");
            }
        }

        static Streams defaults() {
            return new Streams(null, null, null, null);
        }
    }

    /** Returns every grader name that appears in a scored group, built-in first, in a stable order. */
    public List<String> reportedGraders() {
        List<String> names = new ArrayList<>(builtInGraders());
        names.addAll(httpGraders.keySet().stream().sorted().toList());
        names.addAll(kafkaGraders);
        return names;
    }
}
