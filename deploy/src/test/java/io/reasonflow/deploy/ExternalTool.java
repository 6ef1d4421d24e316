package io.reasonflow.deploy;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A program that a check runs, such as promtool or docker-compose. A test that needs a missing program
 * is skipped with the install step, except under CI ({@code CI=true}), where it fails, because
 * {@code .ci/run} installs every one of them.
 */
final class ExternalTool {
    private static final long TIMEOUT_SECONDS = 120;

    private ExternalTool() {
    }

    /** Returns the path of {@code program} on the PATH, if there is one. */
    static Optional<Path> onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Returns the program on the PATH, or skips the test (fails it under CI) naming how to install it. */
    static Path require(String program, String installHint) {
        Optional<Path> found = onPath(program);
        if (found.isEmpty()) {
            missing(program + " is not on the PATH; " + installHint);
        }
        return found.orElseThrow();
    }

    /** Skips the test with {@code problem}, or fails it under CI. */
    static void missing(String problem) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(problem + " (.ci/run installs it)");
        }
        Assumptions.abort(problem);
    }

    /** Runs a command in {@code directory}, returning its exit status and its output (stdout and stderr). */
    static Result run(Path directory, List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("reasonflow-tool-", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s; output so far:\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(List.copyOf(command), process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Runs a command and fails the test, with the command's output, unless it exits with status 0. */
    static String runOk(Path directory, String... command) throws IOException, InterruptedException {
        Result result = run(directory, new ArrayList<>(List.of(command)));
        if (result.status() != 0) {
            fail(result.describe());
        }
        return result.output();
    }

    /** Exit status and output of a finished command. */
    record Result(List<String> command, int status, String output) {
        String describe() {
            return String.join(" ", command) + " exited with status " + status + ":\n" + output;
        }
    }
}
