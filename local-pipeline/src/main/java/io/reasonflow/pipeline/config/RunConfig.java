package io.reasonflow.pipeline.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A training run described in a YAML file, translated into the settings of the trainer and the reward
 * service. Sections with a fixed schema (dataset, model, sft, evaluation, checkpoint, kafka) are checked
 * here, key by key; the open sections ({@code grpo}, {@code rewards}, {@code trainer}) pass their keys to
 * the services, which reject an unknown or invalid one at start-up with its property name. Every error
 * names the key, the value and what is allowed. Relative paths are resolved against the file's directory.
 *
 * @param outputDir        where the run writes its results
 * @param bootstrapServers Kafka cluster to use, or null to start a local broker
 * @param rolloutInstances rollout service instances
 * @param trainer          {@code reasonflow.trainer.*} settings, without the prefix
 * @param reward           {@code reasonflow.reward.*} settings, without the prefix
 */
public record RunConfig(Path outputDir, String bootstrapServers, int rolloutInstances, Map<String, String> trainer,
        Map<String, String> reward) {

    /** Model sizes by name: hidden size, layers, heads, kv heads, intermediate size. */
    static final Map<String, int[]> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("tiny", new int[] {64, 2, 4, 2, 172});
        PRESETS.put("small", new int[] {128, 4, 4, 2, 344});
        PRESETS.put("medium", new int[] {256, 6, 8, 4, 688});
        PRESETS.put("large", new int[] {512, 8, 8, 4, 1376});
    }

    private static final Set<String> TOP = Set.of("run_id", "output_dir", "seed", "kafka", "rollout_instances",
            "dataset", "model", "sft", "grpo", "rewards", "evaluation", "checkpoint", "trainer");
    private static final Set<String> DATASET = Set.of("format", "train", "eval", "train_examples", "eval_examples",
            "max_prompt_tokens", "digits");
    private static final Set<String> MODEL = Set.of("preset", "hidden_size", "layers", "heads", "kv_heads",
            "intermediate_size", "max_positions", "checkpoint");
    private static final Set<String> SFT = Set.of("steps", "batch_size", "learning_rate", "dataset", "examples",
            "short_trace_fraction");
    private static final Set<String> EVALUATION = Set.of("samples", "temperature", "top_p", "every",
            "max_new_tokens");
    private static final Set<String> CHECKPOINT = Set.of("every", "keep");
    private static final Set<String> KAFKA = Set.of("bootstrap_servers");

    /** Reads and checks a config file. */
    public static RunConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + " not found; give the path of a YAML run config, such as "
                    + "examples/configs/gsm8k.yaml");
        }
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new ConfigException(file + " is not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file + " must be a YAML mapping of sections such as dataset, model and grpo");
        }
        return translate(root, file.toAbsolutePath().getParent());
    }

    static RunConfig translate(JsonNode root, Path base) {
        checkKeys(root, "", TOP);
        Map<String, String> trainer = new LinkedHashMap<>();
        Map<String, String> reward = new LinkedHashMap<>();

        String outputText = text(root, "output_dir");
        if (outputText == null) {
            throw new ConfigException("output_dir is missing; give the directory that receives the run's results");
        }
        Path output = base.resolve(outputText).normalize();
        trainer.put("output-dir", output.toString());
        String runId = text(root, "run_id");
        trainer.put("run-id", runId != null ? runId : "run-" + output.getFileName());
        if (root.has("seed")) {
            trainer.put("seed", Long.toString(integer(root, "seed", 0, Long.MAX_VALUE)));
        }
        int instances = root.has("rollout_instances") ? (int) integer(root, "rollout_instances", 1, 16) : 1;
        String servers = null;
        if (root.has("kafka")) {
            JsonNode kafka = section(root, "kafka", KAFKA);
            servers = text(kafka, "kafka.bootstrap_servers", "bootstrap_servers");
        }

        dataset(section(root, "dataset", DATASET), base, trainer);
        model(root.has("model") ? section(root, "model", MODEL) : null, base, trainer);
        if (root.has("sft")) {
            JsonNode sft = section(root, "sft", SFT);
            copyNumber(sft, "sft", "steps", trainer, "sft.steps");
            copyNumber(sft, "sft", "batch_size", trainer, "sft.batch-size");
            copyNumber(sft, "sft", "learning_rate", trainer, "sft.learning-rate");
            copyNumber(sft, "sft", "examples", trainer, "sft.examples");
            copyNumber(sft, "sft", "short_trace_fraction", trainer, "sft.short-trace-fraction");
            String traces = text(sft, "sft.dataset", "dataset");
            if (traces != null) {
                trainer.put("sft.dataset", existingFile(base, traces, "sft.dataset").toString());
            }
            shortTraceFraction(sft, traces != null, trainer.get("task.name"));
        }
        if (root.has("evaluation")) {
            JsonNode eval = section(root, "evaluation", EVALUATION);
            copyNumber(eval, "evaluation", "samples", trainer, "eval.samples");
            copyNumber(eval, "evaluation", "temperature", trainer, "eval.temperature");
            copyNumber(eval, "evaluation", "top_p", trainer, "eval.top-p");
            copyNumber(eval, "evaluation", "every", trainer, "eval.every");
            copyNumber(eval, "evaluation", "max_new_tokens", trainer, "eval.max-new-tokens");
        }
        if (root.has("checkpoint")) {
            JsonNode checkpoint = section(root, "checkpoint", CHECKPOINT);
            copyNumber(checkpoint, "checkpoint", "every", trainer, "checkpoint-every");
            copyNumber(checkpoint, "checkpoint", "keep", trainer, "checkpoint-keep");
        }
        flatten(root.get("grpo"), "grpo", "grpo.", trainer);
        flatten(root.get("trainer"), "trainer", "", trainer);
        flatten(root.get("rewards"), "rewards", "", reward);
        return new RunConfig(output, servers, instances, Map.copyOf(trainer), Map.copyOf(reward));
    }

    private static void dataset(JsonNode dataset, Path base, Map<String, String> trainer) {
        String format = text(dataset, "dataset.format", "format");
        format = format == null ? "gsm8k" : format;
        switch (format) {
            case "gsm8k", "jsonl" -> {
                String train = text(dataset, "dataset.train", "train");
                if (train == null) {
                    throw new ConfigException("dataset.train is missing; give the training JSONL file");
                }
                trainer.put("task.name", format);
                trainer.put("task.dataset", existingFile(base, train, "dataset.train").toString());
                String eval = text(dataset, "dataset.eval", "eval");
                if (eval != null) {
                    trainer.put("task.eval-dataset", existingFile(base, eval, "dataset.eval").toString());
                }
            }
            case "arithmetic" -> {
                trainer.put("task.name", "arithmetic");
                copyNumber(dataset, "dataset", "digits", trainer, "task.digits");
            }
            default -> throw new ConfigException("dataset.format is '" + format
                    + "'; allowed: gsm8k (question, answer ending in '#### N'), jsonl (question, answer, optional "
                    + "solution) or arithmetic (generated)");
        }
        copyNumber(dataset, "dataset", "train_examples", trainer, "task.train-examples");
        copyNumber(dataset, "dataset", "eval_examples", trainer, "task.eval-examples");
        copyNumber(dataset, "dataset", "max_prompt_tokens", trainer, "task.max-prompt-tokens");
    }

    private static void model(JsonNode model, Path base, Map<String, String> trainer) {
        String preset = model == null ? "small" : text(model, "model.preset", "preset");
        if (model != null && model.has("checkpoint")) {
            String dir = text(model, "model.checkpoint", "checkpoint");
            Path checkpoint = base.resolve(dir).normalize();
            if (!Files.isRegularFile(checkpoint.resolve("config.json"))) {
                throw new ConfigException("model.checkpoint is '" + dir + "', but " + checkpoint + " has no config.json; "
                        + "give a Hugging Face-format model directory (config.json, model.safetensors and, for a "
                        + "subword model, tokenizer.json)");
            }
            if (preset != null || model.size() > 1) {
                throw new ConfigException("model.checkpoint sets the model's size from its config.json; remove the other "
                        + "model keys " + new TreeSet<>(model.propertyNames()));
            }
            trainer.put("model.checkpoint", checkpoint.toString());
            return;
        }
        if (preset != null) {
            int[] size = PRESETS.get(preset);
            if (size == null) {
                throw new ConfigException("model.preset is '" + preset + "'; allowed: "
                        + String.join(", ", PRESETS.keySet()));
            }
            trainer.put("model.hidden-size", Integer.toString(size[0]));
            trainer.put("model.layers", Integer.toString(size[1]));
            trainer.put("model.heads", Integer.toString(size[2]));
            trainer.put("model.kv-heads", Integer.toString(size[3]));
            trainer.put("model.intermediate-size", Integer.toString(size[4]));
        }
        if (model != null) {
            for (String key : List.of("hidden_size", "layers", "heads", "kv_heads", "intermediate_size",
                    "max_positions")) {
                copyNumber(model, "model", key, trainer, "model." + key.replace('_', '-'));
            }
        }
    }

    private static JsonNode section(JsonNode root, String name, Set<String> allowed) {
        JsonNode node = root.get(name);
        if (node == null || !node.isObject()) {
            throw new ConfigException(name + " must be a mapping with the keys " + new TreeSet<>(allowed));
        }
        checkKeys(node, name + ".", allowed);
        return node;
    }

    private static void checkKeys(JsonNode node, String prefix, Set<String> allowed) {
        for (String key : node.propertyNames()) {
            if (!allowed.contains(key)) {
                throw new ConfigException("unknown key '" + prefix + key + "'; allowed here: " + new TreeSet<>(allowed));
            }
        }
    }

    /** Copies an open section as dotted kebab-case keys, lists joined by commas. */
    private static void flatten(JsonNode node, String name, String prefix, Map<String, String> out) {
        if (node == null) {
            return;
        }
        if (!node.isObject()) {
            throw new ConfigException(name + " must be a mapping of settings");
        }
        for (String key : node.propertyNames()) {
            JsonNode value = node.get(key);
            String path = prefix + key.replace('_', '-');
            if (value.isObject()) {
                flatten(value, name + "." + key, path + ".", out);
            } else if (value.isArray()) {
                List<String> items = new java.util.ArrayList<>();
                value.forEach(item -> items.add(item.asString()));
                out.put(path, String.join(",", items));
            } else if (value.isNull()) {
                throw new ConfigException(name + "." + key + " has no value");
            } else {
                out.put(path, value.asString());
            }
        }
    }

    /** Checks the share of short cold-start traces here, so the error names the key as the file writes it. */
    private static void shortTraceFraction(JsonNode sft, boolean ownTraces, String task) {
        JsonNode value = sft.get("short_trace_fraction");
        if (value == null) {
            return;
        }
        double share = value.asDouble();
        if (!(share >= 0 && share <= 1)) {
            throw new ConfigException("sft.short_trace_fraction is '" + value.asString()
                    + "'; expected a number from 0 to 1");
        }
        if (share > 0 && (ownTraces || !"arithmetic".equals(task))) {
            throw new ConfigException("sft.short_trace_fraction is '" + value.asString()
                    + "'; expected 0 unless dataset.format is arithmetic and sft.dataset is unset,"
                    + " because only generated traces have columns");
        }
    }

    private static void copyNumber(JsonNode node, String section, String key, Map<String, String> out, String setting) {
        JsonNode value = node.get(key);
        if (value == null) {
            return;
        }
        if (!value.isNumber()) {
            throw new ConfigException(section + "." + key + " is '" + value.asString() + "'; expected a number");
        }
        out.put(setting, value.asString());
    }

    private static long integer(JsonNode node, String key, long min, long max) {
        JsonNode value = node.get(key);
        if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
            throw new ConfigException(key + " is '" + value.asString() + "'; expected a whole number from " + min
                    + " to " + max);
        }
        return value.asLong();
    }

    private static String text(JsonNode node, String key) {
        return text(node, key, key);
    }

    private static String text(JsonNode node, String name, String key) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isValueNode() || value.asString().isBlank()) {
            throw new ConfigException(name + " is '" + value + "'; expected a non-empty text");
        }
        return value.asString();
    }

    private static Path existingFile(Path base, String value, String key) {
        Path file = base.resolve(value).normalize();
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(key + " is '" + value + "', but " + file + " is not an existing file");
        }
        return file;
    }

    /** An invalid run config; the message names the key, the value and what is allowed. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
