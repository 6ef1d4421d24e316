package io.reasonflow.pipeline.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.contracts.Messages;
import io.reasonflow.pipeline.report.RecipeReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class RecipeTest {
    private static final Map<String, String> TEACHER = Map.of("run-id", "demo-x", "output-dir", "/runs/x",
            "model.hidden-size", "128", "sft.steps", "800");

    private static String eval(String stage, double passAt1) {
        return "{\"schema_version\":1,\"run_id\":\"r\",\"stage\":\"" + stage + "\",\"policy_version\":1,"
                + "\"dataset\":\"arithmetic\",\"prompts\":4,\"k\":2,\"pass_at_1\":" + passAt1 + ",\"maj_at_k\":0.5,"
                + "\"format_rate\":1.0,\"mean_length\":80.0,\"language_consistency\":1.0}\n";
    }

    @Test
    void comparisonRunsDeriveFromTheTeacher() {
        Map<String, String> student = Recipe.studentGrpo(TEACHER, Map.of("hidden_size", 64, "layers", 2, "heads", 4,
                "kv_heads", 2, "intermediate_size", 172));
        Map<String, String> zero = Recipe.r1Zero(TEACHER);

        assertThat(student).containsEntry("run-id", "demo-x-student-grpo").containsEntry("model.hidden-size", "64")
                .containsEntry("output-dir", Path.of("/runs/x/student-grpo").toString()).containsEntry("sft.steps", "800");
        assertThat(zero).containsEntry("run-id", "demo-x-r1-zero").containsEntry("sft.steps", "0")
                .containsEntry("model.hidden-size", "128");
        assertThatThrownBy(() -> Recipe.studentGrpo(TEACHER, Map.of("hidden_size", 64)))
                .hasMessageContaining("no layers");
    }

    @Test
    void reportListsTheStagesInRecipeOrder(@TempDir Path out) throws Exception {
        Files.writeString(out.resolve("eval.jsonl"), eval("start", 0.0) + eval("base", 0.05) + eval("sft", 0.4)
                + eval("final", 0.3) + eval("final", 0.55));
        Files.writeString(out.resolve("summary.json"), """
                {"parameters": 759296, "wall_seconds": 300.0, "stage_seconds": {"base": 20.0, "sft": 90.5, "final": 290.0},
                 "ledger": {"balanced": true},
                 "distill": {"student_parameters": 107520, "wall_seconds": 140.0}}
                """);
        Files.createDirectories(out.resolve("distill"));
        Files.writeString(out.resolve("distill/eval.jsonl"), eval("teacher", 0.55) + eval("student-distilled", 0.41));
        Files.createDirectories(out.resolve("student-grpo"));
        Files.writeString(out.resolve("student-grpo/eval.jsonl"), eval("sft", 0.2) + eval("final", 0.25));
        Files.writeString(out.resolve("student-grpo/summary.json"), "{\"parameters\": 107520, \"wall_seconds\": 150.0}");

        RecipeReport report = Recipe.report(out, Recipe.Kind.R1, "./reasonflow demo");

        assertThat(report.summaryStages()).extracting(s -> s.get("name"))
                .containsExactly("base", "sft", "grpo", "student-distilled", "student-grpo");
        assertThat(report.summaryStages().get(2)).as("the last evaluation of a stage counts")
                .containsEntry("pass_at_1", 0.55).containsEntry("wall_seconds", 290.0);
        assertThat(report.summaryStages().get(4)).containsEntry("params", 107520L).containsEntry("wall_seconds", 150.0);
        JsonNode summary = Messages.mapper().readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("recipe").asString()).isEqualTo("r1");
        assertThat(summary.get("stages")).hasSize(5);
        assertThat(summary.get("ledger").get("balanced").asBoolean()).as("the run's own fields stay").isTrue();
        assertThat(out.resolve("report.md")).content().contains("| student-distilled | 0.410 |");
    }
}
