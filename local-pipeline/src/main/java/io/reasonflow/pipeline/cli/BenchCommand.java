package io.reasonflow.pipeline.cli;

import io.reasonflow.model.bench.BenchmarkFigures;
import io.reasonflow.model.bench.ModelBenchmark;
import io.reasonflow.pipeline.bench.GradingBenchmark;
import io.reasonflow.pipeline.bench.PipelineBenchmark;
import io.reasonflow.tasks.dataset.DatasetException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reasonflow bench}: performance figures of this machine, one {@code name: value} line each. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures performance on this machine and prints one 'name: value' line per figure.")
final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Command(name = "model", mixinStandardHelpOptions = true,
            description = {"Benchmarks training and decoding of the policy model on the CPU engine.", "",
                "train_mfu: model FLOPs per second of a training step over the float32",
                "matmul FLOP/s of the same engine, measured in the same run.",
                "decode_kv_speedup: tokens per second of KV-cached decoding over",
                "recomputing every step. Runs in under a minute on 2 idle cores; other",
                "load on the machine lowers the figures."})
    int model(@Option(names = "--quick", description = "Tiny models and counts, to check that it runs (seconds).")
            boolean quick) {
        say("Measuring" + (quick ? " (quick run; figures are not meaningful)" : "") + "...");
        BenchmarkFigures figures = new ModelBenchmark().run(quick
                ? ModelBenchmark.Settings.quick() : ModelBenchmark.Settings.standard());
        figures.byName().forEach((name, value) -> say(name + ": " + value));
        return 0;
    }

    @Command(name = "grading", mixinStandardHelpOptions = true,
            description = {"Benchmarks grading in process and through the reward service.", "",
                "Grades GSM8K reference solutions (half with a changed answer) with accuracy plus strict format, "
                        + "in process, then times the reward service on a local broker against a pass-through of "
                        + "the same topic.", "",
                "grading_completions_per_second_per_core: one thread, its own graders.",
                "service_vs_pass_through: scored groups per second over groups copied per",
                "second by an exactly-once Kafka Streams pass-through with the same settings.",
                "Takes about a minute on 2 idle cores."})
    int grading(@Option(names = "--dataset", paramLabel = "FILE", required = true,
                    description = "GSM8K JSONL file (question and answer per line).") Path dataset,
            @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
                    description = "Stream threads of the reward service and of the pass-through (default: ${DEFAULT-VALUE}).")
                    int threads,
            @Option(names = "--bytes-per-token", paramLabel = "N", defaultValue = "1",
                    description = "Bytes of completion text per token in the rollout records: 1 as with the "
                            + "byte tokenizer (default), about 4 with a subword tokenizer.") int bytesPerToken,
            @Option(names = "--quick", description = "Few groups and a short timing, to check that it runs.")
                    boolean quick) throws Exception {
        if (bytesPerToken < 1) {
            throw new CommandLine.ParameterException(grading(), "--bytes-per-token is " + bytesPerToken
                    + ", expected at least 1");
        }
        if (threads < 1) {
            throw new CommandLine.ParameterException(grading(), "--threads is " + threads
                    + ", expected at least 1");
        }
        if (!Files.isRegularFile(dataset)) {
            throw new CommandLine.ParameterException(grading(), "--dataset " + dataset
                    + " is not a readable file; pass a GSM8K JSONL file");
        }
        say("Measuring" + (quick ? " (quick run; figures are not meaningful)" : "") + "...");
        GradingBenchmark.Settings settings = quick ? GradingBenchmark.Settings.quick(dataset, threads, bytesPerToken)
                : GradingBenchmark.Settings.standard(dataset, threads, bytesPerToken);
        try {
            new GradingBenchmark().run(settings, line -> spec.commandLine().getErr().println(line))
                    .forEach((name, value) -> say(name + ": " + value));
        } catch (DatasetException e) {
            spec.commandLine().getErr().println("Invalid --dataset: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException | IllegalStateException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private static final String INTRA_OP_THREADS = "ai.djl.pytorch.num_threads";

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = {"Benchmarks the pipeline on a local broker against the same work without one.",
                "All figures come from one run, so the ratios hold on a busy machine.", "",
                "pipeline_overhead: GRPO steps per second over the broker (staleness bound 0)",
                "over the same run with the same classes in process.",
                "async_speedup: steps per second with staleness bound 1 over bound 0.",
                "reward_vs_passthrough: scored groups per second of the reward service over",
                "groups per second copied by an exactly-once pass-through of the same topic.",
                "weight_sync: seconds per MB to publish, fetch, verify and swap a policy",
                "version over seconds per MB to send the same bytes with a plain producer.",
                "kafka_bytes_per_token: bytes of rollout records in the broker's log per",
                "generated token, over 8 (a 4-byte token id and a 4-byte log-prob).",
                "Runs PyTorch with one intra-op thread unless -Dai.djl.pytorch.num_threads is",
                "set in REASONFLOW_JAVA_OPTS. Takes about 4 minutes on 2 idle cores."})
    int pipeline(@Option(names = "--quick",
                    description = "Tiny model and counts, to check that it runs (one to two minutes). "
                            + "Replaces --step-size.") boolean quick,
            @Option(names = "--out", paramLabel = "DIR",
                    description = "Keep the training runs' metrics.jsonl, summary.json and final checkpoint in DIR "
                            + "(default: a temporary directory).")
            Path out,
            @Option(names = "--only", paramLabel = "PART", split = ",",
                    description = "Run only these parts, separated by commas (default: all): training "
                            + "(pipeline_overhead, async_speedup, kafka_bytes_per_token), weights (weight_sync), "
                            + "reward (reward_vs_passthrough).")
            EnumSet<PipelineBenchmark.Part> only,
            @Option(names = "--step-size", paramLabel = "SIZE", defaultValue = "demo",
                    description = "Training steps of the measured runs: demo (the full demo's policy, about 1.7 s per "
                            + "step) or small (the smoke demo's policy, about 0.15 s per step, where the broker's "
                            + "fixed cost per step weighs most). Default: ${DEFAULT-VALUE}.")
            StepSize stepSize) throws Exception {
        say("Measuring" + (quick ? " (quick run; figures are not meaningful)" : "") + "...");
        // One intra-op thread unless the user chose: with two, an operation waits for both threads to get a core,
        // and in the pipeline the services' other threads keep taking them.
        if (System.getProperty(INTRA_OP_THREADS) == null) {
            System.setProperty(INTRA_OP_THREADS, "1");
        }
        say("intra_op_threads: " + System.getProperty(INTRA_OP_THREADS));
        PipelineBenchmark.Settings settings = quick ? PipelineBenchmark.Settings.quick()
                : stepSize == StepSize.SMALL ? PipelineBenchmark.Settings.smallSteps()
                : PipelineBenchmark.Settings.standard();
        say("step_size: " + (quick ? "quick" : stepSize.name().toLowerCase(java.util.Locale.ROOT)));
        try {
            Set<PipelineBenchmark.Part> parts = only == null || only.isEmpty() ? EnumSet.allOf(PipelineBenchmark.Part.class)
                    : only;
            new PipelineBenchmark().run(settings, out, parts, line -> spec.commandLine().getErr().println(line))
                    .forEach((name, value) -> say(name + ": " + value));
        } catch (IllegalArgumentException | IllegalStateException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /** Returns the {@code bench grading} command line, so that its errors show its own usage. */
    private CommandLine grading() {
        return spec.commandLine().getSubcommands().get("grading");
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a benchmark is required, for example: reasonflow bench model");
    }

    private void say(String line) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(line);
        out.flush();
    }

    /** Size of the training steps that {@code bench pipeline} times. */
    enum StepSize {
        DEMO, SMALL
    }
}
