package io.reasonflow.pipeline;

import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The smoke loop end to end, distillation included, on a real KRaft broker started in this JVM. */
class SmokePipelineTest {

    @Test
    @Timeout(300)
    void smokeRunOnLocalBroker(@TempDir Path output) throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            TopicSetup.ensureTopics(broker.bootstrapServers(), Duration.ofSeconds(20));
            java.util.Map<String, String> settings = SmokeRunAssertions.smokeSettings("smoke-local", output);
            java.util.Map<String, String> distill = SmokeRunAssertions.smokeDistillSettings(settings);
            LocalPipeline.Result result = LocalPipeline.run(broker.bootstrapServers(), settings, java.util.Map.of(), 1,
                    distill, line -> { });
            SmokeRunAssertions.assertCompleteRun(result, output);
            SmokeRunAssertions.assertDistillStage(result, output, distill);
        }
    }
}
