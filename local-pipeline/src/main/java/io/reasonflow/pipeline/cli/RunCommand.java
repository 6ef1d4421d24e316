package io.reasonflow.pipeline.cli;

import io.reasonflow.pipeline.LocalPipeline;
import io.reasonflow.pipeline.broker.KafkaClientSettings;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.pipeline.config.RunConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reasonflow run --config FILE.yaml}: a training run on the user's data and model, from a YAML file. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs cold-start SFT then GRPO as a YAML config describes it.",
            "",
            "The config names the dataset (GSM8K-format or question/answer JSONL), the model (a preset size or a "
                    + "Hugging Face-format checkpoint directory), the graders and their weights, the GRPO options, "
                    + "the evaluation protocol and the output directory. examples/configs holds documented examples; "
                    + "docs/run-config.md lists every key."})
final class RunCommand implements Callable<Integer> {
    private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(20);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "YAML run config.")
    private Path config;

    @Option(names = "--rollout-instances", paramLabel = "N",
            description = "Rollout service instances, overriding the config's rollout_instances.")
    private Integer rolloutInstances;

    @CommandLine.Mixin
    private KafkaConfigOption kafkaConfig;

    @Override
    public Integer call() throws Exception {
        RunConfig run;
        try {
            run = RunConfig.read(config);
        } catch (RunConfig.ConfigException e) {
            spec.commandLine().getErr().println("Invalid config " + config + ": " + e.getMessage());
            return 2;
        }
        KafkaClientSettings client = kafkaConfig.read(spec.commandLine(), run.bootstrapServers(),
                "kafka.bootstrap_servers in the run config");
        int instances = rolloutInstances != null ? rolloutInstances : run.rolloutInstances();
        if (instances < 1 || instances > 16) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--rollout-instances': "
                    + instances + "; expected 1 to 16");
        }
        System.setProperty("reasonflow.log.dir", run.outputDir().toString());
        long started = System.nanoTime();
        LocalKafkaBroker broker = null;
        try {
            String servers = run.bootstrapServers();
            if (servers == null) {
                broker = LocalKafkaBroker.start();
                servers = broker.bootstrapServers();
                say("Kafka broker (KRaft) started on " + servers);
            } else if (!client.isEmpty()) {
                say(kafkaConfig.summary(client));
            }
            TopicSetup.ensureTopics(servers, client, CLUSTER_TIMEOUT);
            LocalPipeline.Result result = LocalPipeline.run(servers, client, run.trainer(), run.reward(), instances,
                    Map.of(), this::say);
            say(String.format("Done in %.1f s. Output: %s", (System.nanoTime() - started) / 1e9, run.outputDir()));
            @SuppressWarnings("unchecked")
            Map<String, Object> ledger = (Map<String, Object>) result.summary().get("ledger");
            return Boolean.TRUE.equals(ledger.get("balanced")) ? 0 : 1;
        } catch (TopicSetup.BrokerUnreachableException e) {
            spec.commandLine().getErr().println("Error: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            String invalid = DemoCommand.invalidSetting(e);
            if (invalid != null) {
                spec.commandLine().getErr().println("Invalid config " + config + ": " + invalid);
                return 2;
            }
            if (e instanceof IllegalStateException) {
                spec.commandLine().getErr().println("Error: " + e.getMessage());
                spec.commandLine().getErr().println("The run stopped; its log is " + run.outputDir().resolve("reasonflow.log"));
                return 1;
            }
            throw e;
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private void say(String line) {
        spec.commandLine().getOut().println(line);
        spec.commandLine().getOut().flush();
    }
}
