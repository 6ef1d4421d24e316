package io.reasonflow.distill;

import io.reasonflow.distill.io.KafkaDistillIo;
import io.reasonflow.distill.run.DistillRun;
import io.reasonflow.service.ServiceKafkaConfiguration;
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

/**
 * Distill service: rejection-samples a teacher's traces, trains a smaller student on them, evaluates both and
 * publishes the student as a policy version.
 */
@SpringBootApplication
@Import(ServiceKafkaConfiguration.class)
@EnableConfigurationProperties(DistillProperties.class)
public class DistillApplication {
    /** Name of the service's properties file on the classpath ({@code distill-service.properties}). */
    public static final String CONFIG_NAME = "distill-service";

    private static final Logger log = LoggerFactory.getLogger(DistillApplication.class);

    public static void main(String[] args) {
        ConfigurableApplicationContext context = builder().run(args);
        if (context.getBean(DistillProperties.class).autoStart()) {
            // A standalone run ends the process once it is done; a failure has already ended it with status 1.
            System.exit(SpringApplication.exit(context, () -> 0));
        }
    }

    /** Returns a builder that reads {@code distill-service.properties}; callers may add properties before running. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(DistillApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }

    @Bean
    public DistillRun distillRun(DistillProperties properties, KafkaDistillIo io) {
        return new DistillRun(properties, io);
    }

    /** Starts the run when {@code reasonflow.distill.auto-start=true}, as a standalone deployment does. */
    @Bean
    public ApplicationRunner autoStart(DistillProperties properties, DistillRun run) {
        return args -> {
            if (properties.autoStart()) {
                log.info("Starting distillation run {}", properties.runId());
                run.run(line -> log.info(line));
            }
        };
    }
}
