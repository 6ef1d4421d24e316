package io.reasonflow.pipeline.cli;

import io.reasonflow.pipeline.DistillStage;
import io.reasonflow.pipeline.broker.KafkaClientSettings;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reasonflow distill}: the distill service on its own, against a cluster or a local broker. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Distills a teacher policy into a smaller student.",
            "",
            "Rejection-samples the teacher's traces (its scored groups on the cluster, samples requested from the "
                    + "rollout and reward services there, or a JSONL file), trains a student on the kept ones with "
                    + "optional logit distillation, evaluates teacher and student side by side, and publishes the "
                    + "student as a policy version of its own run. docs/distill.md describes every setting."})
final class DistillCommand implements Callable<Integer> {
    private static final Pattern HOST_PORT = Pattern.compile("[^\\s,:]+:\\d{1,5}(,[^\\s,:]+:\\d{1,5})*");
    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(20);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--teacher-run", paramLabel = "ID",
            description = "Run id of the teacher on reasonflow.policy; its scored groups are the traces unless "
                    + "--traces is given.")
    private String teacherRun;

    @Option(names = "--teacher-version", paramLabel = "N", defaultValue = "-1",
            description = "Policy version of the teacher (default: the newest).")
    private long teacherVersion;

    @Option(names = "--teacher", paramLabel = "DIR",
            description = "Hugging Face checkpoint directory of the teacher, instead of reading it from the cluster.")
    private Path teacherCheckpoint;

    @Option(names = "--traces", paramLabel = "FILE",
            description = "JSONL file of traces (prompt, completion, answer) to select from, instead of the "
                    + "teacher's scored groups.")
    private Path traces;

    @Option(names = "--teacher-samples", paramLabel = "N", defaultValue = "0",
            description = "Prompts of the task's training split to send for teacher samples (purpose distill). A "
                    + "rollout service following the teacher's run must be running on the cluster. 0 (default) "
                    + "reads the teacher's scored groups already there.")
    private int teacherSamples;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka cluster of the teacher's run. Without it a local broker is started, which needs "
                    + "--teacher and --traces.")
    private String bootstrapServers;

    @CommandLine.Mixin
    private KafkaConfigOption kafkaConfig;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/distill-<timestamp>).")
    private Path out;

    @Option(names = "--run-id", paramLabel = "ID",
            description = "Run id of the student's policy versions and evaluations (default: distill-<output dir name>).")
    private String runId;

    @Option(names = "--dataset", paramLabel = "FILE",
            description = "GSM8K-format JSONL the teacher was trained on, for the held-out and training prompts, "
                    + "instead of the generated arithmetic task.")
    private Path dataset;

    @Option(names = "--student", paramLabel = "PRESET", defaultValue = "half",
            description = "Student shape relative to the teacher's: half or quarter of its width, depth and MLP "
                    + "width (default: ${DEFAULT-VALUE}).")
    private String studentPreset;

    @Option(names = "--kl-weight", paramLabel = "W",
            description = "Weight in [0, 1] of logit distillation against cross-entropy (default 0.5; 0 trains on "
                    + "the traces alone).")
    private Double klWeight;

    @Option(names = "--smoke", description = "Tiny counts: a short training and a small evaluation.")
    private boolean smoke;

    @Option(names = "--seed", defaultValue = "7",
            description = "Seed of the student, its batches and the sampling; the teacher run's seed gives its "
                    + "held-out prompts (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--distill", paramLabel = "KEY=VALUE",
            description = "Distill setting reasonflow.distill.KEY, repeatable, applied over the options above. "
                    + "Example: --distill selection.max-per-prompt=2. docs/distill.md lists them.")
    private Map<String, String> distillSettings = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        validateOptions();
        KafkaClientSettings client = kafkaConfig.read(spec.commandLine(), bootstrapServers, "--bootstrap-servers");
        Path output = out != null ? out
                : Path.of("runs", "distill-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(output) && !Files.isDirectory(output)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--out': '" + output
                    + "' exists and is not a directory; name a new or existing directory");
        }
        System.setProperty("reasonflow.log.dir", output.toAbsolutePath().toString());
        Map<String, String> settings = settings(output);
        long started = System.nanoTime();
        LocalKafkaBroker broker = null;
        try {
            String servers = bootstrapServers;
            if (servers == null) {
                broker = LocalKafkaBroker.start();
                servers = broker.bootstrapServers();
                say("Kafka broker (KRaft) started on " + servers);
            } else if (!client.isEmpty()) {
                say(kafkaConfig.summary(client));
            }
            TopicSetup.ensureTopics(servers, client, CLUSTER_TIMEOUT);
            DistillStage.run(servers, client, settings, this::say);
            say(String.format("Done in %.1f s. Output: %s (selection.json, traces.jsonl, metrics.jsonl, eval.jsonl, "
                    + "summary.json, checkpoints/student)", (System.nanoTime() - started) / 1e9,
                    output.toAbsolutePath()));
            return 0;
        } catch (TopicSetup.BrokerUnreachableException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            String invalid = DemoCommand.invalidSetting(e);
            if (invalid == null && e instanceof IllegalStateException) {
                spec.commandLine().getErr().println("Error: " + e.getMessage());
                spec.commandLine().getErr().println("The run stopped; its log is "
                        + output.toAbsolutePath().resolve("reasonflow.log"));
                return 1;
            }
            if (invalid == null) {
                throw e;
            }
            spec.commandLine().getErr().println("Invalid input: " + invalid);
            return 2;
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    /** Returns the {@code reasonflow.distill.*} settings the options stand for, {@code --distill} applied last. */
    private Map<String, String> settings(Path output) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("run-id", runId != null ? runId : "distill-" + output.toAbsolutePath().getFileName());
        s.put("output-dir", output.toAbsolutePath().toString());
        s.put("seed", Long.toString(seed));

        s.put("teacher.run", teacherRun == null ? "" : teacherRun);
        s.put("teacher.version", Long.toString(teacherVersion));
        if (teacherCheckpoint != null) {
            s.put("teacher.checkpoint", teacherCheckpoint.toAbsolutePath().toString());
        }
        if (traces != null) {
            s.put("selection.traces", traces.toAbsolutePath().toString());
        }
        s.put("sampling.prompts", Integer.toString(teacherSamples));

        if (dataset != null) {
            s.put("task.name", "gsm8k");
            s.put("task.dataset", dataset.toAbsolutePath().toString());
        }

        s.put("student.preset", studentPreset);
        if (klWeight != null) {
            s.put("training.kl-weight", Double.toString(klWeight));
        }
        if (smoke) {
            s.put("task.train-examples", "200");
            s.put("task.eval-examples", "8");
            s.put("training.steps", "40");
            s.put("training.batch-size", "8");
            s.put("eval.samples", "2");
        }

        s.putAll(distillSettings);
        return s;
    }

    private void validateOptions() {
        if (bootstrapServers != null && !HOST_PORT.matcher(bootstrapServers).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--bootstrap-servers': '"
                    + bootstrapServers + "' is not HOST:PORT (several may be given, separated by commas)");
        }
        if (teacherRun == null && teacherCheckpoint == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing teacher: give --teacher-run ID (a run "
                    + "on the cluster) or --teacher DIR (a Hugging Face checkpoint directory)");
        }
        if (teacherRun == null && traces == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing traces: give --teacher-run ID, whose "
                    + "scored groups are the traces, or --traces FILE");
        }
        if (bootstrapServers == null && (teacherCheckpoint == null || traces == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "A local broker starts empty, so it contains no "
                    + "teacher run: give --bootstrap-servers of the cluster the teacher was trained on, or both "
                    + "--teacher DIR and --traces FILE");
        }
        if (teacherSamples < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--teacher-samples': "
                    + teacherSamples + "; expected 0 or more prompts");
        }
        if (teacherSamples > 0 && (traces != null || teacherRun == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Option '--teacher-samples' requests samples "
                    + "of the run named by --teacher-run and cannot be combined with --traces");
        }
        if (klWeight != null && !(klWeight >= 0 && klWeight <= 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--kl-weight': "
                    + klWeight + "; expected a value in [0, 1]");
        }
    }

    private void say(String line) {
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }
}
