package io.reasonflow.pipeline.cli;

import io.reasonflow.pipeline.LocalPipeline;
import io.reasonflow.pipeline.recipe.Recipe;
import io.reasonflow.pipeline.report.RecipeReport;
import io.reasonflow.pipeline.broker.KafkaClientSettings;
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

/** {@code reasonflow demo}: a real broker, the services, and a full training and distillation run on loopback. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs cold-start SFT, GRPO and distillation over a local Kafka pipeline.",
            "",
            "Starts a Kafka broker (KRaft) on 127.0.0.1 and the rollout, reward and trainer services, trains on "
                    + "the bundled arithmetic task (or a GSM8K file), distills the trained policy into a smaller "
                    + "student and writes metrics, evaluations, checkpoints and a summary to the output directory."})
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

    @CommandLine.Mixin
    private KafkaConfigOption kafkaConfig;

    @Option(names = "--trainer", paramLabel = "KEY=VALUE",
            description = "Trainer setting reasonflow.trainer.KEY, repeatable, applied over the demo's own, "
                    + "for example --trainer eval.every=10. README.md lists them.")
    private Map<String, String> trainerSettings = new java.util.LinkedHashMap<>();

    @Option(names = "--reward", paramLabel = "KEY=VALUE",
            description = "Reward service setting reasonflow.reward.KEY, repeatable, such as --reward "
                    + "weights.format=0.5 or --reward kafka-graders=arithmetic. docs/reward-service.md lists them.")
    private Map<String, String> rewardSettings = new java.util.LinkedHashMap<>();

    @Option(names = "--distill", paramLabel = "KEY=VALUE",
            description = "Distill setting reasonflow.distill.KEY of the last stage, repeatable, applied over the "
                    + "demo's own. Example: --distill training.kl-weight=0. docs/distill.md lists them.")
    private Map<String, String> distillSettings = new java.util.LinkedHashMap<>();

    @Option(names = "--rollout-instances", paramLabel = "N", defaultValue = "1",
            description = "Rollout service instances sharing the prompts as one consumer group (default: ${DEFAULT-VALUE}).")
    private int rolloutInstances;

    @Option(names = "--recipe", paramLabel = "NAME", defaultValue = "r1", converter = RecipeConverter.class,
            description = "r1 (default): base, cold-start SFT, GRPO, a distilled student and the same student "
                    + "trained by GRPO alone. r1-zero: base, SFT, GRPO and GRPO straight from the base model.")
    private Recipe.Kind recipe;

    /** Reads a recipe by its label. */
    static final class RecipeConverter implements CommandLine.ITypeConverter<Recipe.Kind> {
        @Override
        public Recipe.Kind convert(String value) {
            for (Recipe.Kind kind : Recipe.Kind.values()) {
                if (kind.label().equals(value)) {
                    return kind;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a recipe; expected r1 or r1-zero");
        }
    }

    @Option(names = "--seed", defaultValue = "7", description = "Seed of data, model and sampling (default: ${DEFAULT-VALUE}).")
    private long seed;

    /** The Kafka client properties of --kafka-config, read when the command runs. */
    private KafkaClientSettings client = KafkaClientSettings.NONE;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue an interrupted run from the newest checkpoint in DIR (the --out of that run), "
                    + "with the settings stored in the checkpoint. Results go to DIR.")
    private Path resume;

    /**
     * Describes the invalid setting behind {@code error}, such as a bad property in a service's context,
     * naming the property and the value; null when the error is not about a setting.
     */
    static String invalidSetting(Throwable error) {
        IllegalArgumentException invalid = null;
        org.springframework.boot.context.properties.bind.BindException binding = null;
        for (Throwable cause = error; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException
                    unknown) {
                return "unknown setting " + unknown.getUnboundProperties().stream()
                        .map(property -> property.getName() + "=" + property.getValue()).sorted().toList()
                        + "; check its spelling (README.md links the documentation of every setting)";
            }
            if (cause instanceof org.springframework.boot.context.properties.bind.BindException bind
                    && bind.getProperty() != null && binding == null) {
                binding = bind;
            }
            if (cause instanceof IllegalArgumentException argument) {
                invalid = argument;
            }
        }
        if (invalid == null) {
            return null;
        }
        String message = invalid.getMessage();
        if (invalid instanceof NumberFormatException) {
            message = "expected a number";
        } else if (message != null && message.endsWith("is not a valid duration")) {
            message = "expected a duration such as 500ms, 30s or 5m";
        }
        if (binding != null && (message == null || !message.startsWith("reasonflow."))) {
            return binding.getProperty().getName() + " is '" + binding.getProperty().getValue() + "': " + message;
        }
        return message;
    }

    @Override
    public Integer call() throws Exception {
        validateOptions();
        client = kafkaConfig.read(spec.commandLine(), bootstrapServers, "--bootstrap-servers");
        if (resume != null) {
            DemoResume.Plan plan = resumePlan();
            say("Resuming " + plan.output().toAbsolutePath() + " from " + plan.checkpoint().getFileName());
            System.setProperty("reasonflow.log.dir", plan.output().toAbsolutePath().toString());
            return launch(plan.output(), plan.trainerSettings(), plan.rewardSettings());
        }
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
        Map<String, String> settings = DemoSettings.withOverrides(DemoSettings.of(smoke, runId, output, seed, dataset),
                trainerSettings);
        return launch(output, settings, rewardSettings);
    }

    /** Starts the broker unless a cluster was named, runs the pipeline and returns the exit status. */
    private int launch(Path output, Map<String, String> settings, Map<String, String> rewards) throws Exception {
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
            Map<String, String> distill = new java.util.LinkedHashMap<>();
            if (recipe.students()) {
                distill.putAll(DemoSettings.distill(smoke || DemoSettings.isSmoke(settings), settings));
                distill.putAll(distillSettings);
            }
            say("Recipe " + recipe.label() + ": the teacher's run (" + stageNames(settings) + ")");
            LocalPipeline.Result result = LocalPipeline.run(servers, client, settings, rewards, rolloutInstances,
                    distill, this::say);
            say(String.format("In the teacher's run the rollout service generated %d groups with policy versions %s",
                    result.rolloutGroupsPublished(), result.rolloutVersionsUsed()));
            boolean balanced = balanced(result.summary());
            Map<String, String> comparison;
            if (recipe.students()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> student = (Map<String, Object>) ((Map<String, Object>) result.summary().get("distill"))
                        .get("student_config");
                comparison = Recipe.studentGrpo(settings, student);
                say("Recipe " + recipe.label() + ": the student's shape trained by RL alone, with the same cold start and "
                        + "GRPO steps (student-grpo/)");
            } else {
                comparison = Recipe.r1Zero(settings);
                say("Recipe " + recipe.label() + ": GRPO straight from the base model, without cold-start SFT (r1-zero/)");
            }
            balanced &= balanced(LocalPipeline.run(servers, client, comparison, rewards, rolloutInstances, Map.of(),
                    this::say).summary());
            RecipeReport report = Recipe.report(output, recipe, "./reasonflow " + String.join(" ",
                    spec.commandLine().getParseResult().originalArgs()));
            say(String.format("Done in %.1f s. Output: %s (report.md, summary.json, charts/, eval.jsonl, metrics.jsonl, "
                    + "checkpoints/, %s)", (System.nanoTime() - started) / 1e9, output.toAbsolutePath(),
                    recipe.students() ? "distill/, student-grpo/" : "r1-zero/"));
            say("");
            spec.commandLine().getOut().print(report.consoleTable());
            spec.commandLine().getOut().flush();
            return balanced ? 0 : 1;
        } catch (TopicSetup.BrokerUnreachableException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            String invalid = invalidSetting(e);
            if (invalid == null && e instanceof IllegalStateException) {
                spec.commandLine().getErr().println("Error: " + e.getMessage());
                spec.commandLine().getErr().println("The run stopped; its log is "
                        + Path.of(System.getProperty("reasonflow.log.dir", "."), "reasonflow.log")
                        + "; --resume continues it from its last checkpoint, if it wrote one.");
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

    private static boolean balanced(Map<String, Object> summary) {
        @SuppressWarnings("unchecked")
        Map<String, Object> ledger = (Map<String, Object>) summary.get("ledger");
        return ledger != null && Boolean.TRUE.equals(ledger.get("balanced"));
    }

    private static String stageNames(Map<String, String> settings) {
        boolean base = Integer.parseInt(settings.getOrDefault("base.steps", "0")) > 0;
        return (base ? "base, " : "") + "sft, grpo";
    }

    private DemoResume.Plan resumePlan() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        if (out != null && !out.toAbsolutePath().normalize().equals(resume.toAbsolutePath().normalize())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Options '--out' and '--resume' name different "
                    + "directories (" + out + ", " + resume + "); a resumed run continues in its own directory, so "
                    + "give --resume alone");
        }
        try {
            return DemoResume.plan(resume, new DemoResume.Options(smoke, parsed.hasMatchedOption("--seed") ? seed : null,
                    dataset, trainerSettings, rewardSettings));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--resume': "
                    + e.getMessage());
        }
    }

    private void validateOptions() {
        if (bootstrapServers != null && !HOST_PORT.matcher(bootstrapServers).matches()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--bootstrap-servers': '"
                    + bootstrapServers + "' is not HOST:PORT (several may be given, separated by commas)");
        }
        if (rolloutInstances < 1 || rolloutInstances > 16) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--rollout-instances': "
                    + rolloutInstances + "; expected 1 to 16 (one instance per prompt partition at most is useful)");
        }
    }

    private void say(String line) {
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }
}
