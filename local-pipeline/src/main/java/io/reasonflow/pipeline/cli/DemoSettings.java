package io.reasonflow.pipeline.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trainer settings of the two demo sizes. The smoke size runs every stage with tiny counts; the full
 * size trains a model large enough to learn the bundled arithmetic task.
 */
final class DemoSettings {
    private DemoSettings() {
    }

    static Map<String, String> of(boolean smoke, String runId, Path out, long seed, Path dataset) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("run-id", runId);
        s.put("output-dir", out.toAbsolutePath().toString());
        s.put("seed", Long.toString(seed));
        s.put("group-timeout", "5m");
        if (dataset != null) {
            s.put("task.name", "gsm8k");
            s.put("task.dataset", dataset.toAbsolutePath().toString());
            s.put("task.max-prompt-tokens", "384");
            s.put("model.max-positions", "640");
        } else {
            s.put("task.name", "arithmetic");
        }
        if (smoke) {
            s.put("task.digits", "2");
            s.put("task.train-examples", "200");
            s.put("task.eval-examples", "8");
            s.put("model.hidden-size", "64");
            s.put("model.layers", "2");
            s.put("model.heads", "4");
            s.put("model.kv-heads", "2");
            s.put("model.intermediate-size", "172");
            s.put("sft.steps", "30");
            s.put("sft.batch-size", "16");
            s.put("grpo.steps", "3");
            s.put("checkpoint-every", "1");
            s.put("grpo.groups-per-step", "4");
            s.put("grpo.group-size", "4");
            s.put("grpo.max-new-tokens", dataset != null ? "64" : "48");
            s.put("eval.samples", "2");
            s.put("eval.max-new-tokens", dataset != null ? "64" : "48");
        } else {
            s.put("task.digits", "2");
            s.put("task.train-examples", dataset != null ? "2000" : "4000");
            s.put("task.eval-examples", "64");
            s.put("model.hidden-size", "128");
            s.put("model.layers", "4");
            s.put("model.heads", "4");
            s.put("model.kv-heads", "2");
            s.put("model.intermediate-size", "344");
            s.put("sft.steps", "800");
            s.put("sft.batch-size", "32");
            s.put("grpo.steps", "30");
            s.put("checkpoint-every", "10");
            s.put("grpo.groups-per-step", "8");
            s.put("grpo.group-size", "8");
            s.put("grpo.learning-rate", "0.00005");
            s.put("grpo.max-new-tokens", dataset != null ? "160" : "128");
            s.put("eval.samples", "4");
            s.put("eval.max-new-tokens", dataset != null ? "160" : "128");
        }
        return s;
    }
}
