package io.reasonflow.pipeline.cli;

import io.reasonflow.tasks.grading.GraderCatalog;
import io.reasonflow.tasks.grading.OfflineGrader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reasonflow grade}: grades a JSONL file of completions offline with the reward graders. */
@Command(name = "grade", mixinStandardHelpOptions = true,
        description = {"Grades completions offline with the reward graders.",
            "",
            "Each input line is a JSON object with id, completion and answer (the reference answer). Each output "
                    + "line has id, correct (true, false or null), extracted (the answer found) and rewards (the "
                    + "score of each selected grader). Malformed lines are reported with their line number and "
                    + "skipped. A summary is printed at the end: on stderr when the results go to stdout, on stdout "
                    + "otherwise."})
final class GradeCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL file of completions to grade.")
    private Path input;

    @Option(names = "--output", paramLabel = "FILE", description = "JSONL file for the results (default: stdout).")
    private Path output;

    @Option(names = "--graders", split = ",", paramLabel = "NAME",
            description = "Graders to report, separated by commas (default: accuracy and format). Known graders: "
                    + "accuracy, format, format_partial, language_consistency, overlong, repetition.")
    private List<String> graders = new ArrayList<>(OfflineGrader.DEFAULT_GRADERS);

    @Override
    public Integer call() {
        validateGraders();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(input)) {
            err.println(Files.exists(input) ? "Error: input is not a regular file: " + input
                    : "Error: input file not found: " + input);
            err.flush();
            return 2;
        }
        if (output != null && output.toAbsolutePath().getParent() != null
                && !Files.isDirectory(output.toAbsolutePath().getParent())) {
            err.println("Invalid --output " + output + ": its directory does not exist; create it or name another file");
            err.flush();
            return 2;
        }
        OfflineGrader grader = new OfflineGrader(graders);
        OfflineGrader.Summary summary;
        try (InputStream in = Files.newInputStream(input)) {
            if (output == null) {
                summary = grader.grade(in, spec.commandLine().getOut(), line -> warn(err, line));
            } else {
                try (Writer out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                    summary = grader.grade(in, out, line -> warn(err, line));
                }
            }
        } catch (IOException e) {
            err.println("Error: cannot read " + input + " or write " + (output == null ? "standard output" : output)
                    + ": " + e.getMessage());
            err.flush();
            return 1;
        }
        PrintWriter summaryStream = output == null ? err : spec.commandLine().getOut();
        summaryStream.println(summaryLine(summary));
        summaryStream.flush();
        return 0;
    }

    private void validateGraders() {
        for (String name : graders) {
            if (!GraderCatalog.isKnown(name)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--graders': unknown grader '"
                        + name + "', known graders are " + String.join(", ", GraderCatalog.NAMES));
            }
        }
        if (graders.stream().distinct().count() != graders.size()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--graders': a grader is named twice in " + String.join(",", graders));
        }
    }

    private static void warn(PrintWriter err, String problem) {
        err.println("Malformed input " + problem);
        err.flush();
    }

    static String summaryLine(OfflineGrader.Summary summary) {
        return String.format("Graded %d completions: %d correct, %d incorrect, %d ungradable (%d hit a limit); "
                        + "malformed lines skipped: %d",
                summary.graded(), summary.correct(), summary.incorrect(), summary.ungradable(), summary.limitHits(),
                summary.malformed());
    }
}
