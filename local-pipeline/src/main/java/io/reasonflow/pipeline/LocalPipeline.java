package io.reasonflow.pipeline;

import io.reasonflow.pipeline.broker.KafkaClientSettings;
import io.reasonflow.reward.RewardApplication;
import io.reasonflow.rollout.RolloutWorker;
import io.reasonflow.rollout.RolloutApplication;
import io.reasonflow.trainer.TrainerApplication;
import io.reasonflow.trainer.run.TrainingRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * Runs the reward, rollout and trainer services against one Kafka cluster, each in its own Spring
 * application context: they share this JVM but exchange every prompt, group, score and policy version
 * through the broker. The trainer's run is driven from the calling thread.
 */
public final class LocalPipeline {

    /** Result of a finished run: the trainer's summary and figures reported by the rollout service. */
    public record Result(Map<String, Object> summary, List<Long> rolloutVersionsUsed, long rolloutGroupsPublished) {
    }

    private LocalPipeline() {
    }

    /** Runs with one rollout instance; see {@link #run(String, Map, Map, int, TrainingRun.Progress)}. */
    public static Result run(String bootstrapServers, Map<String, String> trainerSettings,
            Map<String, String> rewardSettings, TrainingRun.Progress progress)
            throws InterruptedException, IOException {
        return run(bootstrapServers, trainerSettings, rewardSettings, 1, progress);
    }

    /**
     * Starts the services, runs training and stops the services again. The summary gains
     * {@code rollout_instances}: the groups each rollout instance published.
     *
     * @param bootstrapServers the cluster to use
     * @param trainerSettings  {@code reasonflow.trainer.*} settings, without the prefix
     * @param rewardSettings   {@code reasonflow.reward.*} settings, without the prefix
     * @param rolloutInstances rollout service instances, each its own context and worker id, sharing the
     *                         prompts as one consumer group
     */
    public static Result run(String bootstrapServers, Map<String, String> trainerSettings,
            Map<String, String> rewardSettings, int rolloutInstances, TrainingRun.Progress progress)
            throws InterruptedException, IOException {
        return run(bootstrapServers, trainerSettings, rewardSettings, rolloutInstances, Map.of(), progress);
    }

    /**
     * Runs as {@link #run(String, Map, Map, int, TrainingRun.Progress)} does, then, while the rollout and reward
     * services still serve the trained policy, the distill service as the last stage. The summary then gains
     * {@code distill}: the distillation run's summary.
     *
     * @param distillSettings {@code reasonflow.distill.*} settings, without the prefix; empty skips distillation
     */
    public static Result run(String bootstrapServers, Map<String, String> trainerSettings,
            Map<String, String> rewardSettings, int rolloutInstances, Map<String, String> distillSettings,
            TrainingRun.Progress progress) throws InterruptedException, IOException {
        return run(bootstrapServers, KafkaClientSettings.NONE, trainerSettings, rewardSettings, rolloutInstances,
                distillSettings, progress);
    }

    /**
     * Runs as {@link #run(String, Map, Map, int, Map, TrainingRun.Progress)} does, with {@code client}'s Kafka
     * client properties (SASL, TLS) in every service, as {@code spring.kafka.properties.*}.
     */
    public static Result run(String bootstrapServers, KafkaClientSettings client, Map<String, String> trainerSettings,
            Map<String, String> rewardSettings, int rolloutInstances, Map<String, String> distillSettings,
            TrainingRun.Progress progress) throws InterruptedException, IOException {
        if (rolloutInstances < 1) {
            throw new IllegalArgumentException("rollout instances is " + rolloutInstances + ", expected at least 1");
        }
        String runId = trainerSettings.get("run-id");
        List<ConfigurableApplicationContext> contexts = new ArrayList<>();
        Path rewardState = Files.createTempDirectory("reasonflow-reward-state-");
        try {
            Map<String, String> rewardArgs = new LinkedHashMap<>();
            rewardArgs.put("reasonflow.reward.streams.state-dir", rewardState.toString());
            rewardSettings.forEach((key, value) -> rewardArgs.put("reasonflow.reward." + key, value));
            ConfigurableApplicationContext reward = start(RewardApplication.builder(), bootstrapServers, client,
                    rewardArgs);
            contexts.add(reward);
            List<ConfigurableApplicationContext> rollouts = new ArrayList<>();
            // A policy started from a Hugging Face checkpoint samples with that checkpoint's tokenizer.
            String checkpoint = trainerSettings.get("model.checkpoint");
            boolean subword = checkpoint != null && Files.isRegularFile(Path.of(checkpoint, "tokenizer.json"));
            for (int instance = 1; instance <= rolloutInstances; instance++) {
                Map<String, String> rolloutArgs = new LinkedHashMap<>();
                rolloutArgs.put("reasonflow.rollout.run-id", runId);
                rolloutArgs.put("reasonflow.rollout.worker-id", runId + "-rollout-" + instance);
                if (subword) {
                    rolloutArgs.put("reasonflow.rollout.tokenizer", checkpoint);
                }
                ConfigurableApplicationContext rollout = start(RolloutApplication.builder(), bootstrapServers, client,
                        rolloutArgs);
                contexts.add(rollout);
                rollouts.add(rollout);
            }
            Map<String, String> trainerArgs = new LinkedHashMap<>();
            trainerSettings.forEach((key, value) -> trainerArgs.put("reasonflow.trainer." + key, value));
            // Recorded in the trainer's checkpoints, so that a resume with other reward settings is rejected.
            rewardSettings.forEach((key, value) -> trainerArgs.put("reasonflow.trainer.pipeline.reward." + key, value));
            ConfigurableApplicationContext trainer = start(TrainerApplication.builder(), bootstrapServers, client,
                    trainerArgs);
            contexts.add(trainer);
            progress.line("Services started: reward, " + rolloutInstances + " rollout, trainer on " + bootstrapServers);
            List<String> rolloutUrls = rollouts.stream().map(LocalPipeline::metricsUrl).toList();
            progress.line("Metrics: reward " + metricsUrl(reward) + ", rollout " + String.join(" ", rolloutUrls)
                    + ", trainer " + metricsUrl(trainer));

            Map<String, Object> summary = new LinkedHashMap<>(trainer.getBean(TrainingRun.class).run(progress));
            java.util.TreeSet<Long> versions = new java.util.TreeSet<>();
            long published = 0;
            List<Map<String, Object>> instances = new ArrayList<>();
            for (ConfigurableApplicationContext rollout : rollouts) {
                RolloutWorker listener = rollout.getBean(RolloutWorker.class);
                versions.addAll(listener.versionsUsed());
                published += listener.groupsPublished();
                Map<String, Object> instance = new LinkedHashMap<>();
                instance.put("id", rollout.getEnvironment().getProperty("reasonflow.rollout.worker-id"));
                instance.put("groups", listener.groupsPublished());
                instances.add(instance);
            }
            summary.put("rollout_instances", instances);
            if (!distillSettings.isEmpty()) {
                summary.put("distill", DistillStage.run(bootstrapServers, client, distillSettings, progress::line));
            }
            writeSummary(trainerSettings.get("output-dir"), summary);
            return new Result(summary, List.copyOf(versions), published);
        } finally {
            for (int i = contexts.size() - 1; i >= 0; i--) {
                contexts.get(i).close();
            }
            FileSystemUtils.deleteRecursively(rewardState);
        }
    }

    /** Rewrites the trainer's {@code summary.json} with what the pipeline adds to it. */
    private static void writeSummary(String outputDir, Map<String, Object> summary) throws IOException {
        if (outputDir == null) {
            return;
        }
        Files.writeString(Path.of(outputDir, "summary.json"), io.reasonflow.contracts.Messages.mapper()
                .writerWithDefaultPrettyPrinter().writeValueAsString(summary), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String metricsUrl(ConfigurableApplicationContext context) {
        return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + "/actuator/prometheus";
    }

    /**
     * Starts one service on the cluster with the client's Kafka properties and the given settings. The arguments
     * stay in this JVM, so the secrets among the client properties do not show in the process list.
     */
    static ConfigurableApplicationContext start(SpringApplicationBuilder builder, String bootstrapServers,
            KafkaClientSettings client, Map<String, String> settings) {
        List<String> args = new ArrayList<>();
        args.add("--spring.kafka.bootstrap-servers=" + bootstrapServers);
        args.addAll(client.springArguments());
        // Each service's actuator listens on a free loopback port.
        args.add("--server.port=0");
        settings.forEach((key, value) -> args.add("--" + key + "=" + value));
        return builder.registerShutdownHook(false).run(args.toArray(String[]::new));
    }
}
