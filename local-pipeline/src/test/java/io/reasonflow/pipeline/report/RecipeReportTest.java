package io.reasonflow.pipeline.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeReportTest {

    private static RecipeReport report(Path dir) throws Exception {
        Files.writeString(dir.resolve("metrics.jsonl"), """
                {"step":1,"reward_mean":0.25,"accuracy":0.2,"kl":0.0,"completion_length":80.0,"clip_fraction_low":0.0,"clip_fraction_high":0.01}
                {"step":2,"reward_mean":0.5,"accuracy":0.4,"kl":0.002,"completion_length":76.5,"clip_fraction_low":0.02,"clip_fraction_high":0.0}
                """, StandardCharsets.UTF_8);
        List<StageResult> stages = List.of(
                new StageResult("sft", 0.4, 0.55, 0.9, 1.0, 81.25, 800_000, 95,
                        List.of(new StageResult.Example("User: 12+30\nAssistant: ",
                                "<think>12+30=42</think><answer>42</answer>", true))),
                new StageResult("grpo", 0.6, 0.7, 0.97, null, 70.0, 800_000, 240, List.of()));
        return new RecipeReport("Recipe", "./reasonflow demo", stages,
                List.of(TrainingCurves.read("teacher", dir.resolve("metrics.jsonl"))));
    }

    @Test
    void writesTableChartsAndExamples(@TempDir Path dir) throws Exception {
        report(dir).write(dir);

        String md = Files.readString(dir.resolve("report.md"));
        assertThat(md).contains("| sft | 0.400 | 0.550 | 0.900 | 1.000 | 81.3 | 800000 | 1m35s |");
        assertThat(md).contains("| grpo | 0.600 | 0.700 | 0.970 | n/a | 70.0 | 800000 | 4m00s |");
        assertThat(md).contains("<answer>42</answer>");
        assertThat(md).contains("No examples were kept for this stage.");
        for (String chart : List.of("stages.png", "reward_accuracy.png", "kl.png", "completion_length.png",
                "clip_fractions.png")) {
            assertThat(md).contains("(charts/" + chart + ")");
            BufferedImage image = ImageIO.read(dir.resolve("charts").resolve(chart).toFile());
            assertThat(image).as(chart).isNotNull();
            assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
        }
    }

    @Test
    void summaryAndConsoleCarryEveryStage(@TempDir Path dir) throws Exception {
        RecipeReport report = report(dir);

        var stages = report.summaryStages();
        assertThat(stages).extracting(s -> s.get("name")).containsExactly("sft", "grpo");
        assertThat(stages.get(0)).containsEntry("pass_at_1", 0.4).containsEntry("params", 800_000L)
                .containsKeys("maj_at_k", "format_rate", "mean_length");
        assertThat(report.consoleTable().lines()).hasSize(3);
        assertThat(report.consoleTable()).contains("grpo").contains("0.600");
    }

    @Test
    void curvesKeepNumericFieldsPerStep(@TempDir Path dir) throws Exception {
        report(dir);
        TrainingCurves curves = TrainingCurves.read("teacher", dir.resolve("metrics.jsonl"));

        assertThat(curves.series("kl")).hasSize(2);
        assertThat(curves.series("kl").get(1)).containsExactly(2.0, 0.002);
        assertThat(TrainingCurves.read("none", dir.resolve("absent.jsonl")).steps()).isEmpty();
    }
}
