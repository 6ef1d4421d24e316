package io.reasonflow.pipeline.cli;

import io.reasonflow.pipeline.LocalPipeline;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.tasks.dataset.DatasetException;
import io.reasonflow.tasks.dataset.Gsm8kReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reasonflow demo}: a real broker, the three services and a full training run on loopback. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs cold-start SFT then GRPO over a local Kafka pipeline.",
            "",
            "Starts a Kafka broker (KRaft) on 127.0.0.1 and the rollout, reward and trainer services, trains on "
                    + "the bundled arithmetic task (or a GSM8K file) and writes metrics, evaluations, checkpoints "
                    + "and a summary to the output directory."})
final class DemoCommand implements Callable<Integer> {
    private static final Pattern HOST_PORT = Pattern.compile("[^\\s,:]+:\\d{1,5}(,[^\\s,:]+:\\d{1,5})*");
    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(20);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--smoke", description = "Run every stage with tiny counts (under 2 minutes on 2 cores).")
    private boolean smoke;

    @Option(names = "--dataset", paramLabel = "FILE",
            description = "GSM8K-format JSONL (question, answer ending in '#### N') to train and evaluate on, "
                    + "instead of the generated arithmetic task.")
    private Path dataset;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/<timestamp>).")
    private Path out;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Use this Kafka cluster instead of starting a local broker.")
    private String bootstrapServers;

    @Option(names = "--trainer", paramLabel = "KEY=VALUE",
            description = {"Trainer setting reasonflow.trainer.KEY (repeatable), applied over the demo's own, for",
                "example --trainer eval.every=10 or --trainer sft.dataset=traces.jsonl; README.md lists them."})
    private Map<String, String> trainerSettings = new java.util.LinkedHashMap<>();

    @Option(names = "--reward", paramLabel = "KEY=VALUE",
            description = {"Reward service setting reasonflow.reward.KEY (repeatable), for example",
                "--reward weights.format=0.5 or --reward kafka-graders=arithmetic; docs/reward-service.md lists them."})
    private Map<String, String> rewardSettings = new java.util.LinkedHashMap<>();

    @Option(names = "--seed", defaultValue = "7", description = "Seed of data, model and sampling (default: ${DEFAULT-VALUE}).")
    private long seed;

    /** The invalid-setting error behind {@code error}, such as a bad property in a service's context. */
    private static IllegalArgumentException invalidSetting(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof IllegalArgumentException invalid) {
                return invalid;
            }
            if (cause.getCause() == cause) {
                return null;
            }
        }
        return null;
    }

    @Override
    public Integer call() throws Exception {
        validateOptions();
        Path output = out != null ? out : Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--out': '" + output
                    + "' exists and is not a directory; name a new or existing directory");
        }
        if (dataset != null) {
            try {
                new Gsm8kReader().read(dataset);
            } catch (DatasetException e) {
                spec.commandLine().getErr().println("Invalid --dataset: " + e.getMessage());
                return 2;
            }
        }
        System.setProperty("reasonflow.log.dir", output.toAbsolutePath().toString());
        String runId = "demo-" + output.getFileName();
        Map<String, String> settings = DemoSettings.of(smoke, runId, output, seed, dataset);
        settings.putAll(trainerSettings);
        long started = System.nanoTime();
        LocalKafkaBroker broker = null;
        try {
            String servers = bootstrapServers;
            if (servers == null) {
                broker = LocalKafkaBroker.start();
                servers = broker.bootstrapServers();
                say("Kafka broker (KRaft) started on " + servers);
            }
            TopicSetup.ensureTopics(servers, CLUSTER_TIMEOUT);
            LocalPipeline.Result result = LocalPipeline.run(servers, settings, rewardSettings, this::say);
            say(String.format("Rollout service generated %d groups with policy versions %s", result.rolloutGroupsPublished(),
                    result.rolloutVersionsUsed()));
            say(String.format("Done in %.1f s. Output: %s (metrics.jsonl, eval.jsonl, summary.json, checkpoints/)",
                    (System.nanoTime() - started) / 1e9, output.toAbsolutePath()));
            @SuppressWarnings("unchecked")
            Map<String, Object> ledger = (Map<String, Object>) result.summary().get("ledger");
            return Boolean.TRUE.equals(ledger.get("balanced")) ? 0 : 1;
        } catch (TopicSetup.BrokerUnreachableException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            IllegalArgumentException invalid = invalidSetting(e);
            if (invalid == null) {
                throw e;
            }
            spec.commandLine().getErr().println("Invalid input: " + invalid.getMessage());
            return 2;
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private void validateOptions() {
        if (bootstrapServers != null && !HOST_PORT.matcher(bootstrapServers).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--bootstrap-servers': '"
                    + bootstrapServers + "' is not HOST:PORT (several may be given, separated by commas)");
        }
    }

    private void say(String line) {
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }
}
