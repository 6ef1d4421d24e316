package io.reasonflow.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The PromQL queries of the dashboards and alert rules, and the metric names they use. */
final class MetricReferences {
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern BRACES = Pattern.compile("\\{[^}]*}");
    private static final Pattern BRACKETS = Pattern.compile("\\[[^]]*]");
    /** Label lists of aggregations and vector matching, such as {@code by (job, instance)}. */
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "inf", "nan", "atan2");

    /** One query and where it was found. */
    record Query(String source, String expr) {
        @Override
        public String toString() {
            return source + ": " + expr;
        }
    }

    private MetricReferences() {
    }

    /** Returns the queries of every panel (rows' nested panels included) of every dashboard under {@code dir}. */
    static List<Query> dashboardQueries(Path dir) throws IOException {
        List<Query> queries = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
                collectPanels(dir.relativize(file).toString(), dashboard.path("panels"), queries);
            }
        }
        return queries;
    }

    private static void collectPanels(String file, JsonNode panels, List<Query> queries) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    queries.add(new Query(file + " panel '" + panel.path("title").asText() + "'", target.get("expr").asText()));
                }
            }
            collectPanels(file, panel.path("panels"), queries);
        }
    }

    /** Returns the expression of every rule in the files of {@code dir} whose name contains "rules". */
    static List<Query> ruleQueries(Path dir) throws IOException {
        List<Query> queries = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().contains("rules")).sorted().toList()) {
                JsonNode groups = new YAMLMapper().readTree(file.toFile()).path("groups");
                for (JsonNode group : groups) {
                    for (JsonNode rule : group.path("rules")) {
                        String name = rule.has("alert") ? rule.get("alert").asText() : rule.path("record").asText();
                        queries.add(new Query(file.getFileName() + " rule " + name, rule.path("expr").asText()));
                    }
                }
            }
        }
        return queries;
    }

    /**
     * Returns the metric names that a PromQL expression selects: identifiers outside label matchers,
     * ranges, label lists and strings, that are neither keywords nor function names.
     */
    static Set<String> metricNames(String expr) {
        String stripped = STRING.matcher(expr).replaceAll(" ");
        stripped = BRACES.matcher(stripped).replaceAll(" ");
        stripped = BRACKETS.matcher(stripped).replaceAll(" ");
        stripped = LABEL_LIST.matcher(stripped).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher identifier = IDENTIFIER.matcher(stripped);
        while (identifier.find()) {
            String name = identifier.group();
            boolean call = stripped.substring(identifier.end()).stripLeading().startsWith("(");
            boolean partOfNumber = identifier.start() > 0 && Character.isDigit(stripped.charAt(identifier.start() - 1));
            if (!call && !partOfNumber && !KEYWORDS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                names.add(name);
            }
        }
        return names;
    }
}
