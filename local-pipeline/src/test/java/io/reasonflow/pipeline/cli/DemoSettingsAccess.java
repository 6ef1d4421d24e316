package io.reasonflow.pipeline.cli;

import java.nio.file.Path;
import java.util.Map;

/** Gives tests in other packages the demo's smoke settings of the trainer and the distill stage. */
public final class DemoSettingsAccess {
    private DemoSettingsAccess() {
    }

    public static Map<String, String> smoke(String runId, Path output) {
        return DemoSettings.of(true, runId, output, 7, null);
    }

    /** Returns the distill settings the smoke demo derives from its trainer settings. */
    public static Map<String, String> smokeDistill(Map<String, String> trainerSettings) {
        return DemoSettings.distill(true, trainerSettings);
    }
}
