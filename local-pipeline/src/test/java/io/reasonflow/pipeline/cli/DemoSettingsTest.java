package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoSettingsTest {

    private static final Map<String, String> FULL = DemoSettings.of(false, "demo-x", Path.of("runs/x"), 7, null);

    @Test
    void fullDemoMixesShortTraces() {
        assertThat(FULL).containsEntry("sft.short-trace-fraction", "0.5").containsEntry("sft.steps", "800");
    }

    @Test
    void ownColdStartTracesDropTheShortShare() {
        Map<String, String> settings = DemoSettings.withOverrides(FULL, Map.of("sft.dataset", "/data/sft.jsonl"));

        assertThat(settings).doesNotContainKey("sft.short-trace-fraction");
        assertThat(settings).containsEntry("sft.dataset", "/data/sft.jsonl");
    }

    @Test
    void userShareWinsOverTheDemos() {
        Map<String, String> settings = DemoSettings.withOverrides(FULL, Map.of("sft.short-trace-fraction", "0.2"));

        assertThat(settings).containsEntry("sft.short-trace-fraction", "0.2");
    }

    @Test
    void gsm8kDemoWorksEveryTrace() {
        Map<String, String> settings = DemoSettings.of(false, "demo-x", Path.of("runs/x"), 7, Path.of("train.jsonl"));

        assertThat(settings).doesNotContainKey("sft.short-trace-fraction").containsEntry("sft.steps", "400");
    }
}
