package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The help of every command at 80 columns, and the version that every command's -V prints. */
class CliHelpTest {
    private static final int WIDTH = 80;

    /** Lists every command and subcommand as the arguments that reach it. */
    private static List<List<String>> commandPaths(CommandLine commandLine, List<String> path) {
        List<List<String>> paths = new ArrayList<>();
        paths.add(path);
        commandLine.getSubcommands().forEach((name, subcommand) -> {
            if (!name.equals("help")) {
                List<String> child = new ArrayList<>(path);
                child.add(name);
                paths.addAll(commandPaths(subcommand, child));
            }
        });
        return paths;
    }

    private static String output(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = ReasonflowCli.execute(new PrintWriter(out), new PrintWriter(err), args);
        assertThat(status).as("exit status of %s", Arrays.toString(args)).isZero();
        return out.toString();
    }

    @Test
    void versionIsTheProjectVersion() {
        assertThat(output("--version").strip()).matches("reasonflow \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(output("-V").strip()).isEqualTo("reasonflow " + VersionProvider.version());
    }

    @Test
    void everySubcommandPrintsTheVersion() {
        for (List<String> path : commandPaths(ReasonflowCli.commandLine(), List.of())) {
            List<String> args = new ArrayList<>(path);
            args.add("-V");

            assertThat(output(args.toArray(String[]::new)).strip()).as(String.join(" ", args))
                    .isEqualTo("reasonflow " + VersionProvider.version());
        }
    }

    @Test
    void helpLinesFitEightyColumns() {
        for (List<String> path : commandPaths(ReasonflowCli.commandLine(), List.of())) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");

            for (String line : output(args.toArray(String[]::new)).split("\n")) {
                assertThat(line.length()).as("%s: %s", String.join(" ", args), line).isLessThanOrEqualTo(WIDTH);
            }
        }
    }

    /** A word that picocli wraps inside, such as training.kl-weight=0 split after the dot, is missing whole. */
    @Test
    void helpKeepsWordsWhole() {
        CommandLine root = ReasonflowCli.commandLine();
        for (List<String> path : commandPaths(root, List.of())) {
            CommandLine commandLine = root;
            for (String name : path) {
                commandLine = commandLine.getSubcommands().get(name);
            }
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Set<String> rendered = new HashSet<>(Arrays.asList(output(args.toArray(String[]::new)).split("\\s+")));

            for (String word : describedWords(commandLine.getCommandSpec())) {
                assertThat(rendered).as("'%s' in the help of %s", word, String.join(" ", args)).contains(word);
            }
        }
    }

    private static List<String> describedWords(CommandSpec spec) {
        List<String> texts = new ArrayList<>(Arrays.asList(spec.usageMessage().description()));
        for (OptionSpec option : spec.options()) {
            texts.addAll(Arrays.asList(option.description()));
        }
        List<String> words = new ArrayList<>();
        for (String text : texts) {
            for (String word : text.split("\\s+")) {
                // Picocli replaces ${DEFAULT-VALUE} and similar variables when it renders the help.
                if (!word.isEmpty() && !word.contains("${")) {
                    words.add(word);
                }
            }
        }
        return words;
    }
}
