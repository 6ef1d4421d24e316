package io.reasonflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.pipeline.ChildProcesses.Child;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.reward.RewardApplication;
import io.reasonflow.rollout.RolloutApplication;
import io.reasonflow.trainer.TrainerApplication;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A bounded load run that reports memory from start to end: the broker, the reward service, two rollout instances
 * sharing the prompts and the trainer, each in a JVM of its own with native memory tracking, run GRPO on the bundled
 * arithmetic task for {@code reasonflow.load.steps} steps (default 40). Every {@code reasonflow.load.sample-seconds}
 * (default 10) it records, per process, the resident set size from {@code /proc/<pid>/status}, the Java heap in use
 * and committed ({@code jcmd GC.heap_info}), and the memory the JVM itself committed as native memory tracking counts
 * it ({@code jcmd VM.native_memory summary}; PyTorch's own allocations are outside it and inside the RSS). It writes
 * the samples to {@code target/load-run/memory.csv} and prints, per process, the first, the largest and the last
 * sample, with the machine's load average.
 *
 * <p>Tagged {@code load}, which the build leaves out unless the {@code load} profile is on:
 * {@code ./mvnw -B -pl local-pipeline -am verify -Pload -Dtest=LoadRunTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("load")
class LoadRunTest {
    private static final String RUN = "load";
    private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");
    private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final List<String> JVM_OPTIONS = List.of("-XX:NativeMemoryTracking=summary");

    /** One sample of one process, in KiB; -1 where the figure could not be read. */
    record Sample(double seconds, String process, long pid, long rssKb, long heapUsedKb, long heapCommittedKb,
            long nmtCommittedKb, String loadAverage) {
    }

    @Test
    void twoRolloutInstancesRunWithSteadyMemory() throws Exception {
        int steps = Integer.getInteger("reasonflow.load.steps", 40);
        Duration every = Duration.ofSeconds(Integer.getInteger("reasonflow.load.sample-seconds", 10));
        Path directory = Path.of("target", "load-run").toAbsolutePath();
        deleteRecursively(directory);
        Files.createDirectories(directory);
        Path output = directory.resolve("run");
        List<Sample> samples = new ArrayList<>();
        long started = System.nanoTime();
        String loadAtStart = loadAverage();
        String outcome = "did not finish";
        // Each sample is written as it is taken, and the table is printed also when the run fails or times out.
        try (ChildProcesses processes = new ChildProcesses(directory.resolve("logs"));
                PrintWriter csv = new PrintWriter(Files.newBufferedWriter(directory.resolve("memory.csv"),
                        StandardCharsets.UTF_8), true)) {
            csv.println("seconds,process,pid,rss_kb,heap_used_kb,heap_committed_kb,nmt_committed_kb,load_average");
            ProcessBroker broker = ProcessBroker.format(processes, directory.resolve("broker"));
            broker.start(Duration.ofSeconds(90));
            String servers = broker.bootstrapServers();
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(30));
            Map<String, Child> children = new LinkedHashMap<>();
            children.put("broker", broker.process());
            children.put("reward", processes.start("reward", RewardApplication.class.getName(),
                    options("-Xmx512m"), null, List.of("--spring.kafka.bootstrap-servers=" + servers,
                            "--server.port=0", "--reasonflow.reward.streams.state-dir=" + directory.resolve("state"))));
            for (int instance = 1; instance <= 2; instance++) {
                String name = "rollout-" + instance;
                children.put(name, processes.start(name, RolloutApplication.class.getName(), options("-Xmx768m"),
                        null, List.of("--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                                "--reasonflow.rollout.run-id=" + RUN,
                                "--reasonflow.rollout.worker-id=" + RUN + "-" + name)));
            }
            List<String> trainerArgs = new ArrayList<>(List.of("--spring.kafka.bootstrap-servers=" + servers,
                    "--server.port=0", "--reasonflow.trainer.auto-start=true"));
            settings(output, steps).forEach((key, value) -> trainerArgs.add("--reasonflow.trainer." + key + "=" + value));
            Child trainer = processes.start("trainer", TrainerApplication.class.getName(), options("-Xmx1g"), output,
                    trainerArgs);
            children.put("trainer", trainer);

            long deadline = System.nanoTime() + Duration.ofMinutes(Math.max(30, steps / 2)).toNanos();
            boolean finished = false;
            while (!finished) {
                sampleAll(children, started, samples, csv);
                assertThat(System.nanoTime()).as("the load run finished in time%n%s", trainer.tail(4000))
                        .isLessThan(deadline);
                finished = trainer.process().waitFor(every.toMillis(), TimeUnit.MILLISECONDS);
            }
            assertThat(trainer.process().exitValue()).as("trainer exit status%n%s", trainer.tail(4000)).isZero();
            // The other processes once more, now that the trainer has finished.
            sampleAll(children, started, samples, csv);
            outcome = "finished";
        } finally {
            report(directory, output, samples, steps, started, loadAtStart, outcome);
        }
        JsonNode ledger = Messages.mapper().readTree(output.resolve("summary.json").toFile()).get("ledger");
        assertThat(ledger.get("balanced").asBoolean()).as("ledger %s", ledger).isTrue();
    }

    private static void sampleAll(Map<String, Child> children, long started, List<Sample> samples, PrintWriter csv) {
        double seconds = (System.nanoTime() - started) / 1e9;
        children.forEach((name, child) -> {
            if (child.isAlive()) {
                Sample s = sample(seconds, name, child.pid());
                samples.add(s);
                csv.printf(Locale.ROOT, "%.1f,%s,%d,%d,%d,%d,%d,%s%n", s.seconds(), s.process(), s.pid(), s.rssKb(),
                        s.heapUsedKb(), s.heapCommittedKb(), s.nmtCommittedKb(), s.loadAverage());
            }
        });
    }

    /** Writes {@code report.txt} and prints it: the run's figures, the load average and the table of samples. */
    private static void report(Path directory, Path output, List<Sample> samples, int steps, long started,
            String loadAtStart, String outcome) throws IOException {
        String groups = "no summary";
        Path summaryFile = output.resolve("summary.json");
        if (Files.exists(summaryFile)) {
            JsonNode ledger = Messages.mapper().readTree(summaryFile.toFile()).get("ledger");
            groups = String.format(Locale.ROOT, "groups published %d, trained %d, dropped as stale %d; ledger "
                    + "balanced %s", ledger.get("published").asLong(), ledger.get("trained").asLong(),
                    ledger.get("dropped_stale").asLong(), ledger.get("balanced"));
        }
        String report = String.format(Locale.ROOT, "Load run (%s): %d GRPO steps requested, %d written, 2 rollout "
                + "instances, %.0f s; %s; load average at start %s, at end %s; %d CPUs%n", outcome, steps,
                metricLines(output), (System.nanoTime() - started) / 1e9, groups, loadAtStart, loadAverage(),
                Runtime.getRuntime().availableProcessors()) + table(samples);
        Files.writeString(directory.resolve("report.txt"), report, StandardCharsets.UTF_8);
        System.out.print(report);
    }

    private static long metricLines(Path output) throws IOException {
        Path file = output.resolve("metrics.jsonl");
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    private static List<String> options(String heap) {
        List<String> options = new ArrayList<>(JVM_OPTIONS);
        options.add(heap);
        return options;
    }

    /**
     * Returns the smoke model and task with 20 cold-start steps, {@code steps} GRPO steps of 8 groups and a checkpoint
     * every 20 steps.
     */
    private static Map<String, String> settings(Path output, int steps) {
        Map<String, String> settings = new LinkedHashMap<>(SmokeRunAssertions.smokeSettings(RUN, output));
        settings.put("sft.steps", "20");
        settings.put("grpo.steps", Integer.toString(steps));
        settings.put("grpo.groups-per-step", "8");
        settings.put("checkpoint-every", "20");
        settings.put("group-timeout", "3m");
        return settings;
    }

    private static Sample sample(double seconds, String name, long pid) {
        long rss = -1;
        try {
            Matcher matcher = RSS.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
            if (matcher.find()) {
                rss = Long.parseLong(matcher.group(1));
            }
        } catch (IOException e) {
            // the process ended between the check and the read
        }
        long heapUsed = -1;
        long heapCommitted = -1;
        Matcher heap = HEAP.matcher(jcmd(pid, "GC.heap_info"));
        if (heap.find()) {
            heapCommitted = Long.parseLong(heap.group(1));
            heapUsed = Long.parseLong(heap.group(2));
        }
        long nmt = -1;
        Matcher total = NMT_TOTAL.matcher(jcmd(pid, "VM.native_memory", "summary"));
        if (total.find()) {
            nmt = Long.parseLong(total.group(2));
        }
        return new Sample(seconds, name, pid, rss, heapUsed, heapCommitted, nmt, loadAverage());
    }

    /** Runs the JDK's {@code jcmd} on {@code pid} and returns its output, or "" when it fails or takes over 30 s. */
    private static String jcmd(long pid, String... command) {
        Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
        Path tool = java.resolveSibling("jcmd");
        List<String> line = new ArrayList<>(List.of(Files.isExecutable(tool) ? tool.toString() : "jcmd",
                Long.toString(pid)));
        line.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "";
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Per process: RSS, heap in use and NMT committed at the first sample, at their largest and at the last one. */
    private static String table(List<Sample> samples) {
        Map<String, List<Sample>> byProcess = new LinkedHashMap<>();
        samples.forEach(s -> byProcess.computeIfAbsent(s.process(), name -> new ArrayList<>()).add(s));
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%-10s %7s | %21s | %21s | %21s%n", "process", "samples", "RSS MiB first/max/last",
                "heap used first/max/last", "NMT commit first/max/last"));
        byProcess.forEach((name, list) -> {
            Sample first = list.get(0);
            Sample last = list.get(list.size() - 1);
            out.append(String.format(Locale.ROOT, "%-10s %7d | %6s %6s %6s | %6s %6s %6s | %6s %6s %6s%n", name,
                    list.size(), mib(first.rssKb()), mib(max(list, Sample::rssKb)), mib(last.rssKb()),
                    mib(first.heapUsedKb()), mib(max(list, Sample::heapUsedKb)), mib(last.heapUsedKb()),
                    mib(first.nmtCommittedKb()), mib(max(list, Sample::nmtCommittedKb)), mib(last.nmtCommittedKb())));
        });
        return out.toString();
    }

    private static long max(List<Sample> list, java.util.function.ToLongFunction<Sample> figure) {
        return list.stream().mapToLong(figure).max().orElse(-1);
    }

    private static String mib(long kb) {
        return kb < 0 ? "n/a" : Long.toString(Math.round(kb / 1024.0));
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
