package io.reasonflow.pipeline.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the recipe's report into an output directory: {@code report.md} with a table of the stages,
 * the charts (PNG, under {@code charts/}) and example completions per stage. Also renders the table as
 * plain text for the console and as a list of maps for {@code summary.json}.
 */
public final class RecipeReport {
    private static final Logger log = LoggerFactory.getLogger(RecipeReport.class);
    private static final int EXAMPLES_PER_STAGE = 3;

    /** Chart files and the fields of {@code metrics.jsonl} each draws. */
    private static final Map<String, List<String>> CURVES = new LinkedHashMap<>();

    static {
        CURVES.put("reward_accuracy.png", List.of("reward_mean", "accuracy"));
        CURVES.put("kl.png", List.of("kl"));
        CURVES.put("completion_length.png", List.of("completion_length"));
        CURVES.put("clip_fractions.png", List.of("clip_fraction_low", "clip_fraction_high"));
    }

    private final String title;
    private final String command;
    private final List<StageResult> stages;
    private final List<TrainingCurves> curves;

    /**
     * @param title   heading of the report
     * @param command the command that produced the run, shown so a reader can repeat it
     * @param stages  the stages in the order they ran
     * @param curves  the per-step figures of each GRPO run
     */
    public RecipeReport(String title, String command, List<StageResult> stages, List<TrainingCurves> curves) {
        this.title = title;
        this.command = command;
        this.stages = List.copyOf(stages);
        this.curves = List.copyOf(curves);
    }

    /**
     * Writes {@code report.md} and the charts. Charts that cannot be drawn (a machine without fonts, for
     * example) are left out, with a line in the report giving the reason, and the rest is still written.
     */
    public void write(Path outputDir) throws IOException {
        Path charts = outputDir.resolve("charts");
        Files.createDirectories(charts);
        List<String> drawn = new ArrayList<>();
        String chartError = null;
        try {
            Charts.stagesChart(charts.resolve("stages.png"), stages);
            drawn.add("stages.png");
            for (var entry : CURVES.entrySet()) {
                List<Charts.Line> lines = new ArrayList<>();
                for (TrainingCurves run : curves) {
                    for (String field : entry.getValue()) {
                        lines.add(new Charts.Line(run.run() + " " + field, run.series(field)));
                    }
                }
                Charts.lineChart(charts.resolve(entry.getKey()), chartTitle(entry.getKey()), String.join(", ",
                        entry.getValue()), lines);
                drawn.add(entry.getKey());
            }
        } catch (RuntimeException | Error e) {
            // AWT without fonts throws errors such as UnsatisfiedLinkError or InternalError.
            chartError = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.warn("Charts could not be drawn ({}); install fontconfig and a font package such as fonts-dejavu-core "
                    + "to get them", chartError);
        }
        Files.writeString(outputDir.resolve("report.md"), markdown(drawn, chartError), StandardCharsets.UTF_8);
    }

    private static String chartTitle(String file) {
        return switch (file) {
            case "reward_accuracy.png" -> "Mean reward and accuracy of the training groups";
            case "kl.png" -> "KL divergence to the reference policy";
            case "completion_length.png" -> "Mean completion length (tokens)";
            case "clip_fractions.png" -> "Share of tokens clipped below and above";
            default -> file;
        };
    }

    private String markdown(List<String> drawn, String chartError) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        md.append("Produced by `").append(command).append("`. Every stage is evaluated on the same held-out ")
                .append("prompts with the same protocol.\n\n");
        md.append(markdownTable()).append('\n');
        md.append("## Charts\n\n");
        if (chartError != null) {
            md.append("Some charts could not be drawn on this machine: ").append(chartError).append("\n\n");
        }
        for (String chart : drawn) {
            md.append("![").append(chart.endsWith("stages.png") ? "stages" : chartTitle(chart)).append("](charts/")
                    .append(chart).append(")\n\n");
        }
        md.append("## Example completions\n\n");
        for (StageResult stage : stages) {
            md.append("### ").append(stage.name()).append("\n\n");
            if (stage.examples().isEmpty()) {
                md.append("No examples were kept for this stage.\n\n");
            }
            for (StageResult.Example example : stage.examples().subList(0,
                    Math.min(EXAMPLES_PER_STAGE, stage.examples().size()))) {
                md.append(example.correct() ? "Correct:" : "Incorrect:").append("\n\n```\n")
                        .append(example.prompt()).append(example.completion()).append("\n```\n\n");
            }
        }
        return md.toString();
    }

    /** Renders the stage table in Markdown. */
    public String markdownTable() {
        StringBuilder md = new StringBuilder();
        md.append("| stage | pass@1 | maj@k | format | language | length | parameters | wall time |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (StageResult stage : stages) {
            md.append("| ").append(stage.name()).append(" | ").append(fixed(stage.passAt1())).append(" | ")
                    .append(fixed(stage.majAtK())).append(" | ").append(fixed(stage.formatRate())).append(" | ")
                    .append(stage.languageConsistency() == null ? "n/a" : fixed(stage.languageConsistency()))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f", stage.meanLength())).append(" | ")
                    .append(stage.parameters()).append(" | ").append(duration(stage.wallSeconds())).append(" |\n");
        }
        return md.toString();
    }

    /** Renders the stage table as aligned plain text, for the end of the console output. */
    public String consoleTable() {
        StringBuilder out = new StringBuilder();
        String format = "%-18s %7s %7s %7s %8s %7s %11s %9s%n";
        out.append(String.format(Locale.ROOT, format, "stage", "pass@1", "maj@k", "format", "language", "length",
                "parameters", "time"));
        for (StageResult stage : stages) {
            out.append(String.format(Locale.ROOT, format, stage.name(), fixed(stage.passAt1()), fixed(stage.majAtK()),
                    fixed(stage.formatRate()),
                    stage.languageConsistency() == null ? "n/a" : fixed(stage.languageConsistency()),
                    String.format(Locale.ROOT, "%.1f", stage.meanLength()), stage.parameters(),
                    duration(stage.wallSeconds())));
        }
        return out.toString();
    }

    /** Lists the stages for {@code summary.json}: name, pass_at_1, maj_at_k, format_rate, mean_length, params and more. */
    public List<Map<String, Object>> summaryStages() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (StageResult stage : stages) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", stage.name());
            entry.put("pass_at_1", stage.passAt1());
            entry.put("maj_at_k", stage.majAtK());
            entry.put("format_rate", stage.formatRate());
            entry.put("language_consistency", stage.languageConsistency());
            entry.put("mean_length", stage.meanLength());
            entry.put("params", stage.parameters());
            entry.put("wall_seconds", stage.wallSeconds());
            list.add(entry);
        }
        return list;
    }

    private static String fixed(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }

    private static String duration(double seconds) {
        long whole = Math.round(seconds);
        return whole >= 60 ? String.format(Locale.ROOT, "%dm%02ds", whole / 60, whole % 60) : whole + "s";
    }
}
