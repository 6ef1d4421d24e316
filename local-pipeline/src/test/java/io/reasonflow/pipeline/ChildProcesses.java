package io.reasonflow.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs that a test starts and kills as a crash would: each runs a main class of the test's classpath, with
 * its console output in a file of its own and its {@code reasonflow.log} in a directory of its own. {@link #close()}
 * kills every child still running, and a shutdown hook does the same when the test JVM exits first, so no child
 * outlives the test.
 */
final class ChildProcesses implements AutoCloseable {
    private final Path logs;
    private final List<Child> children = new ArrayList<>();
    private final Map<String, Integer> starts = new HashMap<>();
    private final Thread killOnExit;

    /** A started child JVM. */
    record Child(String name, Process process, Path console, Path logDirectory) {
        long pid() {
            return process.pid();
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Sends SIGKILL ({@link Process#destroyForcibly()} on Linux) and waits for the process to end. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + pid() + ") still runs 30 s after SIGKILL");
            }
        }

        /** Returns the last {@code characters} of the console output and of {@code reasonflow.log}, for a failure message. */
        String tail(int characters) {
            return name + " console:\n" + tailOf(console, characters) + "\n" + name + " reasonflow.log:\n"
                    + tailOf(logDirectory.resolve("reasonflow.log"), characters);
        }

        private static String tailOf(Path file, int characters) {
            try {
                if (!Files.exists(file)) {
                    return "(none)";
                }
                String text = Files.readString(file);
                return text.substring(Math.max(0, text.length() - characters));
            } catch (IOException e) {
                return "(unreadable: " + e.getMessage() + ")";
            }
        }
    }

    ChildProcesses(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
        this.killOnExit = new Thread(this::killAll, "child-processes-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Starts {@code mainClass} in a new JVM with this JVM's classpath.
     *
     * @param name         names the output files: {@code <name>-<n>.out} and {@code <name>-<n>/reasonflow.log}, n
     *                     counting the starts of that name
     * @param logDirectory directory of {@code reasonflow.log}, or null for {@code <name>-<n>} beside the output file
     */
    synchronized Child start(String name, String mainClass, List<String> jvmOptions, Path logDirectory,
            List<String> args) throws IOException {
        int attempt = starts.merge(name, 1, Integer::sum);
        Path console = logs.resolve(name + "-" + attempt + ".out");
        Path logDir = logDirectory != null ? logDirectory : logs.resolve(name + "-" + attempt);
        Files.createDirectories(logDir);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Dai.djl.offline=true");
        command.add("-Dreasonflow.log.dir=" + logDir);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile())
                .start();
        Child child = new Child(name, process, console, logDir);
        children.add(child);
        return child;
    }

    /** Kills (SIGKILL) every child still running and waits for each to end. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyExiting) {
            // the hook runs anyway
        }
    }

    private synchronized void killAll() {
        for (Child child : children) {
            if (child.isAlive()) {
                child.process().destroyForcibly();
            }
        }
        for (Child child : children) {
            try {
                child.process().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
