package io.reasonflow.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Messages;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.checkpoint.Checkpoints;
import io.reasonflow.model.tokenizer.HfTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code reasonflow run --config}: config errors end with status 2; a Hugging Face checkpoint trains end to end. */
class RunCommandTest {
    /** A word-level Qwen2 tokenizer of 16 tokens from the model module's test data. */
    private static final Path WORD_LEVEL = Path.of("..", "policy-model", "src", "test", "resources", "tokenizers",
            "wordlevel");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return ReasonflowCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void invalidConfigIsUsageError(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "output_dir: out\ndataset: {format: arithmetic}\ngrpo_steps: 3\n");

        assertThat(run("run", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("unknown key 'grpo_steps'");
    }

    @Test
    void settingRejectedByAServiceIsUsageError(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "output_dir: out\ndataset: {format: arithmetic}\ngrpo: {group_sise: 4}\n");

        assertThat(run("run", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("grpo.group-sise");
    }

    @Test
    @Timeout(300)
    void trainsFromAHuggingFaceCheckpoint(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("model");
        ModelConfig config = ModelConfig.fromJson(Files.readString(WORD_LEVEL.resolve("config.json")));
        long parameters;
        try (PolicyModel model = PolicyModel.initialize(config, 5); HfTokenizer tokenizer = HfTokenizer.load(WORD_LEVEL)) {
            Checkpoints.save(checkpoint, model, tokenizer);
            parameters = model.parameterCount();
        }
        Path yaml = dir.resolve("run.yaml");
        Files.writeString(yaml, """
                run_id: from-checkpoint
                output_dir: out
                dataset: {format: arithmetic, train_examples: 40, eval_examples: 4, max_prompt_tokens: 40}
                model: {checkpoint: model}
                sft: {steps: 2, batch_size: 4}
                grpo: {steps: 1, group_size: 2, groups_per_step: 2, max_new_tokens: 8}
                evaluation: {samples: 2, max_new_tokens: 8}
                """);

        assertThat(run("run", "--config", yaml.toString())).as(err.toString()).isZero();

        JsonNode summary = Messages.mapper().readTree(dir.resolve("out/summary.json").toFile());
        assertThat(summary.get("parameters").asLong()).isEqualTo(parameters);
        assertThat(summary.get("ledger").get("balanced").asBoolean()).isTrue();
        assertThat(Files.readAllLines(dir.resolve("out/eval.jsonl"))).hasSize(3);
        assertThat(dir.resolve("out/eval-samples/final.jsonl")).exists();
    }
}
