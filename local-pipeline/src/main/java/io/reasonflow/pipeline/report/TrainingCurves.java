package io.reasonflow.pipeline.report;

import tools.jackson.databind.JsonNode;
import io.reasonflow.contracts.Messages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The per-step figures of one GRPO run, read from its {@code metrics.jsonl}. */
public record TrainingCurves(String run, List<Map<String, Double>> steps) {

    /** Reads every numeric field of every line; a missing file gives a run without steps. */
    public static TrainingCurves read(String run, Path metricsJsonl) throws IOException {
        List<Map<String, Double>> steps = new ArrayList<>();
        if (!Files.isRegularFile(metricsJsonl)) {
            return new TrainingCurves(run, steps);
        }
        for (String line : Files.readAllLines(metricsJsonl, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = Messages.mapper().readTree(line);
            Map<String, Double> values = new LinkedHashMap<>();
            node.properties().forEach(field -> {
                if (field.getValue().isNumber()) {
                    values.put(field.getKey(), field.getValue().doubleValue());
                }
            });
            steps.add(values);
        }
        return new TrainingCurves(run, steps);
    }

    /** Returns the (step, value) points of one field, skipping steps without it. */
    public List<double[]> series(String field) {
        List<double[]> points = new ArrayList<>();
        for (Map<String, Double> step : steps) {
            Double x = step.get("step");
            Double y = step.get(field);
            if (x != null && y != null && Double.isFinite(y)) {
                points.add(new double[] {x, y});
            }
        }
        return points;
    }
}
