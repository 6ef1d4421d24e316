package io.reasonflow.pipeline;

import io.reasonflow.reward.RewardApplication;
import io.reasonflow.rollout.PromptBatchListener;
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

    /**
     * Starts the services, runs training and stops the services again.
     *
     * @param bootstrapServers the cluster to use
     * @param trainerSettings  {@code reasonflow.trainer.*} settings, without the prefix
     * @param rewardSettings   {@code reasonflow.reward.*} settings, without the prefix
     */
    public static Result run(String bootstrapServers, Map<String, String> trainerSettings,
            Map<String, String> rewardSettings, TrainingRun.Progress progress)
            throws InterruptedException, IOException {
        String runId = trainerSettings.get("run-id");
        List<ConfigurableApplicationContext> contexts = new ArrayList<>();
        Path rewardState = Files.createTempDirectory("reasonflow-reward-state-");
        try {
            Map<String, String> rewardArgs = new LinkedHashMap<>();
            rewardArgs.put("reasonflow.reward.streams.state-dir", rewardState.toString());
            rewardSettings.forEach((key, value) -> rewardArgs.put("reasonflow.reward." + key, value));
            contexts.add(start(RewardApplication.builder(), bootstrapServers, rewardArgs));
            ConfigurableApplicationContext rollout = start(RolloutApplication.builder(), bootstrapServers,
                    Map.of("reasonflow.rollout.run-id", runId));
            contexts.add(rollout);
            Map<String, String> trainerArgs = new LinkedHashMap<>();
            trainerSettings.forEach((key, value) -> trainerArgs.put("reasonflow.trainer." + key, value));
            // Recorded in the trainer's checkpoints, so that a resume with other reward settings is rejected.
            rewardSettings.forEach((key, value) -> trainerArgs.put("reasonflow.trainer.pipeline.reward." + key, value));
            ConfigurableApplicationContext trainer = start(TrainerApplication.builder(), bootstrapServers, trainerArgs);
            contexts.add(trainer);
            progress.line("Services started: reward, rollout, trainer on " + bootstrapServers);
            progress.line("Metrics: reward " + metricsUrl(contexts.get(0)) + ", rollout " + metricsUrl(rollout)
                    + ", trainer " + metricsUrl(trainer));

            Map<String, Object> summary = trainer.getBean(TrainingRun.class).run(progress);
            PromptBatchListener listener = rollout.getBean(PromptBatchListener.class);
            return new Result(summary, listener.versionsUsed().stream().sorted().toList(), listener.groupsPublished());
        } finally {
            for (int i = contexts.size() - 1; i >= 0; i--) {
                contexts.get(i).close();
            }
            FileSystemUtils.deleteRecursively(rewardState);
        }
    }

    private static String metricsUrl(ConfigurableApplicationContext context) {
        return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + "/actuator/prometheus";
    }

    private static ConfigurableApplicationContext start(SpringApplicationBuilder builder, String bootstrapServers,
            Map<String, String> settings) {
        List<String> args = new ArrayList<>();
        args.add("--spring.kafka.bootstrap-servers=" + bootstrapServers);
        // Each service's actuator listens on a free loopback port.
        args.add("--server.port=0");
        settings.forEach((key, value) -> args.add("--" + key + "=" + value));
        return builder.registerShutdownHook(false).run(args.toArray(String[]::new));
    }
}
