package io.reasonflow.trainer;

import io.reasonflow.service.ServiceKafkaConfiguration;
import io.reasonflow.trainer.io.TrainerIo;
import io.micrometer.core.instrument.MeterRegistry;
import io.reasonflow.trainer.run.TrainerMetrics;
import io.reasonflow.trainer.run.TrainingRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/** Trainer service: cold-start SFT, GRPO over the pipeline, evaluation and policy publishing. */
@SpringBootApplication
@Import(ServiceKafkaConfiguration.class)
@EnableConfigurationProperties(TrainerProperties.class)
public class TrainerApplication {
    /** Name of the service's properties file on the classpath ({@code trainer-service.properties}). */
    public static final String CONFIG_NAME = "trainer-service";

    private static final Logger log = LoggerFactory.getLogger(TrainerApplication.class);

    public static void main(String[] args) {
        ConfigurableApplicationContext context = builder().run(args);
        if (context.getBean(TrainerProperties.class).autoStart()) {
            // A standalone run ends the process once it is done: status 0 when its ledger balances, 1 otherwise.
            boolean balanced = context.getBean(TrainingRun.class).ledger().balanced();
            System.exit(SpringApplication.exit(context, () -> balanced ? 0 : 1));
        }
    }

    /** A builder that reads {@code trainer-service.properties}; callers may add properties before running. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(TrainerApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }

    @Bean
    public TrainingRun trainingRun(TrainerProperties properties, TrainerIo io, MeterRegistry meterRegistry) {
        TrainingRun run = new TrainingRun(properties, io);
        run.observeSteps(new TrainerMetrics(meterRegistry)::record);
        return run;
    }

    /** Starts the run when {@code reasonflow.trainer.auto-start=true}, as a standalone deployment does. */
    @Bean
    public ApplicationRunner autoStart(TrainerProperties properties, TrainingRun run) {
        return args -> {
            if (properties.autoStart()) {
                log.info("Starting run {}", properties.runId());
                run.run(line -> log.info(line));
            }
        };
    }
}
