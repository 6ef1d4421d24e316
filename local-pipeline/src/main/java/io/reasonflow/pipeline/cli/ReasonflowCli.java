package io.reasonflow.pipeline.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code reasonflow} command line. */
@Command(name = "reasonflow", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "R1-style reasoning training (cold-start SFT, GRPO, distillation) as services over Apache Kafka.",
        subcommands = {DemoCommand.class, RunCommand.class, DistillCommand.class, GradeCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class ReasonflowCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code: 0 success, 1 failure, 2 invalid usage or input. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** Runs the command line with the given output streams, as tests do. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    /** Builds the command line. Every command's {@code -V} prints the version, subcommands' included. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new ReasonflowCli()).setCaseInsensitiveEnumValuesAllowed(true);
        setVersionProvider(commandLine, new VersionProvider());
        return commandLine;
    }

    private static void setVersionProvider(CommandLine commandLine, CommandLine.IVersionProvider provider) {
        for (CommandLine subcommand : commandLine.getSubcommands().values()) {
            subcommand.getCommandSpec().versionProvider(provider);
            setVersionProvider(subcommand, provider);
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required, for example: reasonflow demo");
    }
}
