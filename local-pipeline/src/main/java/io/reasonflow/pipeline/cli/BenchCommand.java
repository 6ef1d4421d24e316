package io.reasonflow.pipeline.cli;

import io.reasonflow.model.bench.BenchmarkFigures;
import io.reasonflow.model.bench.ModelBenchmark;
import java.io.PrintWriter;
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
}
