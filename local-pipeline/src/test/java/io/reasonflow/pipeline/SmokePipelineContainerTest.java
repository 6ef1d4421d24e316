package io.reasonflow.pipeline;

import io.reasonflow.pipeline.broker.TopicSetup;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/** The smoke loop end to end on the official Apache Kafka image; skipped where Docker is not available. */
@Testcontainers(disabledWithoutDocker = true)
class SmokePipelineContainerTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");

    @Test
    @Timeout(300)
    void smokeRunOnContainerBroker(@TempDir Path output) throws Exception {
        TopicSetup.ensureTopics(KAFKA.getBootstrapServers(), Duration.ofSeconds(30));
        LocalPipeline.Result result = LocalPipeline.run(KAFKA.getBootstrapServers(),
                SmokeRunAssertions.smokeSettings("smoke-container", output), java.util.Map.of(), line -> { });
        SmokeRunAssertions.assertCompleteRun(result, output);
    }
}
