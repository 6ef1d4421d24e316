package io.reasonflow.rollout;

import io.reasonflow.service.ServiceKafkaConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/** Rollout service: samples G completions per prompt with the current policy and publishes each group. */
@SpringBootApplication
@Import(ServiceKafkaConfiguration.class)
@EnableConfigurationProperties(RolloutProperties.class)
public class RolloutApplication {
    /** Name of the service's properties file on the classpath ({@code rollout-service.properties}). */
    public static final String CONFIG_NAME = "rollout-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    /** A builder that reads {@code rollout-service.properties}; callers may add properties before running. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(RolloutApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }
}
