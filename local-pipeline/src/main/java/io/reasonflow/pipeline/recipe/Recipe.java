package io.reasonflow.pipeline.recipe;

import io.reasonflow.contracts.Messages;
import io.reasonflow.pipeline.report.RecipeReport;
import io.reasonflow.pipeline.report.StageResult;
import io.reasonflow.pipeline.report.TrainingCurves;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The runs of the R1 recipe the demo compares, and the report that puts their stages side by side. The
 * teacher's run writes to the output directory itself (base, SFT, GRPO) and distills its student into
 * {@code distill/}. The other runs have directories of their own:
 *
 * <ul>
 *   <li>{@code student-grpo/}: the student's architecture trained like the teacher, with the same base
 *       pretraining, cold start and number of GRPO steps ({@code r1} recipe);</li>
 *   <li>{@code r1-zero/}: GRPO straight from the base model, without cold-start SFT ({@code r1-zero}
 *       recipe).</li>
 * </ul>
 */
public final class Recipe {
    /** The comparison a demo runs. */
    public enum Kind {
        /** base, sft, grpo (teacher), student-distilled, student-grpo. */
        R1("r1"),
        /** base, sft, grpo, r1-zero. */
        R1_ZERO("r1-zero");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** Returns whether the recipe distills the teacher and trains the student by RL for comparison. */
        public boolean students() {
            return this == R1;
        }
    }

    public static final String STUDENT_GRPO_DIR = "student-grpo";
    public static final String R1_ZERO_DIR = "r1-zero";

    private Recipe() {
    }

    /**
     * Returns the trainer settings of the student trained by RL alone: the teacher's, with the distilled
     * student's shape, its own run id and output directory.
     *
     * @param studentConfig the distilled student's shape: hidden_size, layers, heads, kv_heads, intermediate_size
     */
    public static Map<String, String> studentGrpo(Map<String, String> teacher, Map<String, Object> studentConfig) {
        Map<String, String> settings = derived(teacher, STUDENT_GRPO_DIR);
        settings.remove("model.checkpoint");
        for (String key : List.of("hidden_size", "layers", "heads", "kv_heads", "intermediate_size")) {
            Object value = studentConfig.get(key);
            if (value == null) {
                throw new IllegalArgumentException("the distilled student's shape has no " + key + ": " + studentConfig);
            }
            settings.put("model." + key.replace('_', '-'), value.toString());
        }
        return settings;
    }

    /** Returns the trainer settings of GRPO straight from the base model: the teacher's, without cold-start SFT. */
    public static Map<String, String> r1Zero(Map<String, String> teacher) {
        Map<String, String> settings = derived(teacher, R1_ZERO_DIR);
        settings.put("sft.steps", "0");
        return settings;
    }

    private static Map<String, String> derived(Map<String, String> teacher, String name) {
        Map<String, String> settings = new LinkedHashMap<>(teacher);
        // A resumed teacher continues from its checkpoint; the comparison run starts afresh.
        settings.remove("resume-from");
        settings.put("run-id", teacher.get("run-id") + "-" + name);
        settings.put("output-dir", Path.of(teacher.get("output-dir")).resolve(name).toString());
        return settings;
    }

    /**
     * Reads the stages of every run under {@code output}, in the recipe's order, writes {@code report.md} and
     * the charts, and adds {@code stages} and {@code recipe} to {@code summary.json}.
     *
     * @return the report, for the console table
     */
    public static RecipeReport report(Path output, Kind kind, String command) throws IOException {
        List<StageResult> stages = new ArrayList<>();
        List<TrainingCurves> curves = new ArrayList<>();
        JsonNode teacher = readJson(output.resolve("summary.json"));
        long teacherParameters = teacher.path("parameters").asLong();
        Map<String, JsonNode> teacherEvals = lastPerStage(output.resolve("eval.jsonl"));
        if (teacherEvals.containsKey("base")) {
            stages.add(stage("base", teacherEvals.get("base"), teacherParameters, teacher, output, "base"));
        } else {
            stages.add(stage("untrained", teacherEvals.get("start"), teacherParameters, teacher, output, "start"));
        }
        stages.add(stage("sft", teacherEvals.get("sft"), teacherParameters, teacher, output, "sft"));
        stages.add(stage("grpo", teacherEvals.get("final"), teacherParameters, teacher, output, "final"));
        curves.add(TrainingCurves.read("teacher", output.resolve("metrics.jsonl")));
        if (kind.students()) {
            JsonNode distill = teacher.path("distill");
            Map<String, JsonNode> distillEvals = lastPerStage(output.resolve("distill").resolve("eval.jsonl"));
            if (distillEvals.containsKey("student-distilled")) {
                stages.add(stage("student-distilled", distillEvals.get("student-distilled"),
                        distill.path("student_parameters").asLong(), distill, output.resolve("distill"),
                        "student-distilled"));
            }
            addRun(stages, curves, output.resolve(STUDENT_GRPO_DIR), "student-grpo");
        } else {
            addRun(stages, curves, output.resolve(R1_ZERO_DIR), "r1-zero");
        }
        RecipeReport report = new RecipeReport("ReasonFlow recipe: " + kind.label(), command, stages, curves);
        report.write(output);
        Map<String, Object> summary = Messages.mapper().convertValue(teacher, LinkedHashMap.class);
        summary.put("recipe", kind.label());
        summary.put("stages", report.summaryStages());
        Files.writeString(output.resolve("summary.json"), Messages.mapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(summary), StandardCharsets.UTF_8);
        return report;
    }

    private static void addRun(List<StageResult> stages, List<TrainingCurves> curves, Path dir, String name)
            throws IOException {
        JsonNode summary = readJson(dir.resolve("summary.json"));
        Map<String, JsonNode> evals = lastPerStage(dir.resolve("eval.jsonl"));
        if (evals.containsKey("final")) {
            stages.add(stage(name, evals.get("final"), summary.path("parameters").asLong(), summary, dir, "final"));
        }
        curves.add(TrainingCurves.read(name, dir.resolve("metrics.jsonl")));
    }

    private static StageResult stage(String name, JsonNode eval, long parameters, JsonNode summary, Path dir,
            String stage) throws IOException {
        if (eval == null) {
            throw new IllegalStateException("no evaluation of stage '" + stage + "' in " + dir.resolve("eval.jsonl"));
        }
        JsonNode seconds = summary.path("stage_seconds").path(stage);
        double wall = seconds.isNumber() ? seconds.asDouble() : summary.path("wall_seconds").asDouble();
        JsonNode language = eval.path("language_consistency");
        return new StageResult(name, eval.path("pass_at_1").asDouble(), eval.path("maj_at_k").asDouble(),
                eval.path("format_rate").asDouble(), language.isNumber() ? language.asDouble() : null,
                eval.path("mean_length").asDouble(), parameters, wall, examples(dir, stage));
    }

    private static List<StageResult.Example> examples(Path dir, String stage) throws IOException {
        Path file = dir.resolve("eval-samples").resolve(stage + ".jsonl");
        List<StageResult.Example> examples = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return examples;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode node = Messages.mapper().readTree(line);
                examples.add(new StageResult.Example(node.path("prompt").asString(), node.path("completion").asString(),
                        node.path("correct").asBoolean()));
            }
        }
        return examples;
    }

    /** Returns the last evaluation of each stage in an {@code eval.jsonl}, since a resumed run may write one again. */
    private static Map<String, JsonNode> lastPerStage(Path evalJsonl) throws IOException {
        Map<String, JsonNode> stages = new LinkedHashMap<>();
        if (!Files.isRegularFile(evalJsonl)) {
            return stages;
        }
        for (String line : Files.readAllLines(evalJsonl, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode node = Messages.mapper().readTree(line);
                stages.put(node.path("stage").asString().toLowerCase(Locale.ROOT), node);
            }
        }
        return stages;
    }

    private static JsonNode readJson(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("the recipe report needs " + file + ", which the run did not write");
        }
        return Messages.mapper().readTree(file.toFile());
    }
}
