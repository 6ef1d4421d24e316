package io.reasonflow.pipeline.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trainer settings of the two demo sizes. The smoke size runs every stage with tiny counts; the full
 * size trains a model large enough to learn the bundled arithmetic task.
 */
final class DemoSettings {
    /** Trainer setting that records the demo's size; the trainer keeps {@code pipeline.*} settings as they are. */
    static final String SIZE_KEY = "pipeline.demo-size";

    private DemoSettings() {
    }

    /** Whether trainer settings, such as those of a checkpoint, are the smoke size's. */
    static boolean isSmoke(Map<String, String> trainer) {
        return "smoke".equals(trainer.get(SIZE_KEY));
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
            // Enough SFT for the teacher to write well-formed traces, so the distill stage has some to keep.
            s.put("sft.steps", "100");
            s.put("sft.batch-size", "16");
            s.put("sft.learning-rate", "0.01");
            s.put("grpo.steps", "3");
            s.put("checkpoint-every", "1");
            s.put("grpo.groups-per-step", "4");
            s.put("grpo.group-size", "4");
            s.put("grpo.max-new-tokens", dataset != null ? "64" : "48");
            s.put("eval.samples", "2");
            // Long enough for a whole arithmetic trace (about 85 tokens), so the smoke table shows formats and answers.
            s.put("eval.max-new-tokens", dataset != null ? "64" : "96");
        } else {
            s.put("task.digits", "2");
            s.put("task.train-examples", dataset != null ? "2000" : "4000");
            s.put("task.eval-examples", "64");
            s.put("model.hidden-size", "128");
            s.put("model.layers", "4");
            s.put("model.heads", "4");
            s.put("model.kv-heads", "2");
            s.put("model.intermediate-size", "344");
            if (dataset == null) {
                // Plain problem lines before the cold start; the base corpus is generated arithmetic only.
                s.put("base.steps", "300");
                // Half the cold-start traces give the result at once, as a terse annotator writes them. SFT
                // imitates both forms, and GRPO's reward has to teach the model that working the columns pays.
                s.put("sft.steps", "800");
                s.put("sft.short-trace-fraction", "0.5");
            } else {
                s.put("sft.steps", "400");
            }
            s.put("sft.batch-size", "32");
            s.put("grpo.steps", "60");
            s.put("checkpoint-every", "10");
            s.put("grpo.groups-per-step", "16");
            s.put("grpo.group-size", "8");
            s.put("grpo.learning-rate", "0.00005");
            s.put("grpo.min-learning-rate-ratio", "0.1");
            // Rewards are 0 or 1 plus the format weight, and the group's spread carries the signal as it is.
            // Dividing by the group's standard deviation would weight nearly solved and nearly hopeless prompts most.
            s.put("grpo.advantage-scaling", "none");
            s.put("grpo.max-new-tokens", dataset != null ? "160" : "128");
            s.put("eval.samples", "4");
            s.put("eval.max-new-tokens", dataset != null ? "160" : "128");
        }
        // Recorded in the checkpoints, so a resumed run sizes its later stages as the interrupted one did.
        s.put(SIZE_KEY, smoke ? "smoke" : "full");
        return s;
    }

    /**
     * Returns the demo's trainer settings with the user's {@code --trainer} settings over them. The user's own
     * cold-start traces ({@code sft.dataset}) replace the generated ones, so the demo's share of short traces is
     * dropped unless the user sets it too.
     */
    static Map<String, String> withOverrides(Map<String, String> demo, Map<String, String> user) {
        Map<String, String> merged = new LinkedHashMap<>(demo);
        if (user.containsKey("sft.dataset")) {
            merged.remove("sft.short-trace-fraction");
        }
        merged.putAll(user);
        return merged;
    }

    /**
     * Returns the distill settings of the demo's last stage, derived from the run's trainer settings. The trained
     * policy is the teacher, and the task's training prompts are sent for teacher samples. The task's held-out
     * prompts evaluate teacher and student. The student has half the teacher's width and depth, at most a quarter
     * of its parameters. Results go to {@code distill/} in the run's output directory.
     */
    static Map<String, String> distill(boolean smoke, Map<String, String> trainer) {
        Map<String, String> s = new LinkedHashMap<>();
        String runId = trainer.get("run-id");
        s.put("run-id", runId + "-student");
        s.put("output-dir", Path.of(trainer.get("output-dir")).resolve("distill").toString());
        s.put("seed", trainer.get("seed"));
        s.put("group-timeout", "5m");

        s.put("teacher.run", runId);
        String checkpoint = trainer.get("model.checkpoint");
        if (checkpoint != null && java.nio.file.Files.isRegularFile(Path.of(checkpoint, "tokenizer.json"))) {
            s.put("teacher.tokenizer", checkpoint);
        }

        trainer.forEach((key, value) -> {
            if (key.startsWith("task.")) {
                s.put(key, value);
            }
        });
        // Long enough for a whole trace: the trainer's smoke limit cuts them off.
        String maxNewTokens = Integer.toString(Math.max(128,
                Integer.parseInt(trainer.getOrDefault("eval.max-new-tokens", "128"))));
        s.put("sampling.max-new-tokens", maxNewTokens);
        // The same protocol as the trainer's evaluations, so the report's rows compare.
        s.put("eval.max-new-tokens", trainer.getOrDefault("eval.max-new-tokens", "128"));
        s.put("eval.samples", trainer.getOrDefault("eval.samples", "4"));

        s.put("selection.max-per-prompt", "2");
        s.put("student.preset", "half");
        s.put("student.max-parameter-ratio", "0.25");
        if (smoke) {
            // About 1% of the smoke teacher's samples were correct when measured, so it needs many samples to
            // leave a few traces.
            s.put("sampling.prompts", "96");
            s.put("sampling.group-size", "8");
            s.put("training.steps", "40");
            s.put("training.batch-size", "8");
        } else {
            // The teacher writes one trace per question, so one sample of many prompts leaves the most distinct ones.
            s.put("sampling.prompts", "1536");
            s.put("sampling.group-size", "1");
            s.put("training.steps", "600");
            s.put("training.batch-size", "32");
        }
        return s;
    }
}
