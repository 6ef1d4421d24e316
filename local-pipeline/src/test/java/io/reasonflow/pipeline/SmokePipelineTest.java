package io.reasonflow.pipeline;

import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The smoke loop end to end on a real KRaft broker started in this JVM. */
class SmokePipelineTest {

    @Test
    @Timeout(300)
    void smokeRunOnLocalBroker(@TempDir Path output) throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            TopicSetup.ensureTopics(broker.bootstrapServers(), Duration.ofSeconds(20));
            LocalPipeline.Result result = LocalPipeline.run(broker.bootstrapServers(),
                    SmokeRunAssertions.smokeSettings("smoke-local", output), java.util.Map.of(), line -> { });
            SmokeRunAssertions.assertCompleteRun(result, output);
        }
    }
}
