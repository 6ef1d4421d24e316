package io.reasonflow.pipeline;

import io.reasonflow.distill.DistillApplication;
import io.reasonflow.distill.run.DistillRun;
import io.reasonflow.pipeline.broker.KafkaClientSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs the distill service against one Kafka cluster in its own Spring application context, which shares no
 * beans with the other services, and closes it when the run is done.
 */
public final class DistillStage {
    private DistillStage() {
    }

    /**
     * Starts the service, runs one distillation and stops the service again.
     *
     * @param settings {@code reasonflow.distill.*} settings, without the prefix
     * @return the run's summary, as written to its {@code summary.json}
     */
    public static Map<String, Object> run(String bootstrapServers, Map<String, String> settings,
            DistillRun.Progress progress) {
        return run(bootstrapServers, KafkaClientSettings.NONE, settings, progress);
    }

    /** Runs as {@link #run(String, Map, DistillRun.Progress)} does, with {@code client}'s Kafka client properties. */
    public static Map<String, Object> run(String bootstrapServers, KafkaClientSettings client,
            Map<String, String> settings, DistillRun.Progress progress) {
        List<String> args = new ArrayList<>();
        args.add("--spring.kafka.bootstrap-servers=" + bootstrapServers);
        args.addAll(client.springArguments());
        // The actuator listens on a free loopback port, like the other services of the local pipeline.
        args.add("--server.port=0");
        settings.forEach((key, value) -> args.add("--reasonflow.distill." + key + "=" + value));
        try (ConfigurableApplicationContext context = DistillApplication.builder().registerShutdownHook(false)
                .run(args.toArray(String[]::new))) {
            return context.getBean(DistillRun.class).run(progress);
        }
    }
}
