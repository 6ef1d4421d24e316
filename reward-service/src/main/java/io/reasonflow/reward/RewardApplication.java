package io.reasonflow.reward;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * Reward service: scores each rollout group with the configured graders, merges the scores of plug-in
 * graders, and publishes the scored group, all inside Kafka transactions.
 */
@SpringBootApplication
@EnableConfigurationProperties(RewardProperties.class)
public class RewardApplication {
    /** Name of the service's properties file on the classpath ({@code reward-service.properties}). */
    public static final String CONFIG_NAME = "reward-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    /** A builder that reads {@code reward-service.properties}; callers may add properties before running. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(RewardApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }
}
