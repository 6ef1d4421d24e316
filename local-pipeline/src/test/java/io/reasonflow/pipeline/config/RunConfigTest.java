package io.reasonflow.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigTest {

    private static Path write(Path dir, String yaml) throws Exception {
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void translatesSectionsIntoServiceSettings(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("train.jsonl"), "{\"question\":\"1+1\",\"answer\":\"2\"}\n");
        Files.writeString(dir.resolve("eval.jsonl"), "{\"question\":\"2+2\",\"answer\":\"4\"}\n");
        RunConfig config = RunConfig.read(write(dir, """
                run_id: qa
                output_dir: out
                rollout_instances: 2
                dataset: {format: jsonl, train: train.jsonl, eval: eval.jsonl, eval_examples: 1}
                model: {preset: tiny, max_positions: 320}
                sft: {steps: 10}
                grpo: {group_size: 4, staleness_bound: 0}
                rewards: {weights: {accuracy: 1.0, format: 0.25}, optional_graders: [format, overlong]}
                evaluation: {samples: 2, top_p: 0.9}
                """));

        assertThat(config.outputDir()).isEqualTo(dir.resolve("out"));
        assertThat(config.rolloutInstances()).isEqualTo(2);
        assertThat(config.bootstrapServers()).isNull();
        assertThat(config.trainer()).containsEntry("run-id", "qa").containsEntry("task.name", "jsonl")
                .containsEntry("task.dataset", dir.resolve("train.jsonl").toString())
                .containsEntry("task.eval-dataset", dir.resolve("eval.jsonl").toString())
                .containsEntry("task.eval-examples", "1").containsEntry("model.hidden-size", "64")
                .containsEntry("model.max-positions", "320").containsEntry("sft.steps", "10")
                .containsEntry("grpo.group-size", "4").containsEntry("grpo.staleness-bound", "0")
                .containsEntry("eval.samples", "2").containsEntry("eval.top-p", "0.9");
        assertThat(config.reward()).containsEntry("weights.accuracy", "1.0").containsEntry("weights.format", "0.25")
                .containsEntry("optional-graders", "format,overlong");
    }

    @Test
    void sftSectionPassesColdStartSet(@TempDir Path dir) throws Exception {
        RunConfig config = RunConfig.read(write(dir, """
                output_dir: out
                dataset: {format: arithmetic}
                sft: {steps: 800, examples: 1000, short_trace_fraction: 0.5}
                """));

        assertThat(config.trainer()).containsEntry("sft.steps", "800").containsEntry("sft.examples", "1000")
                .containsEntry("sft.short-trace-fraction", "0.5");
    }

    @Test
    void shortTraceFractionOutsideItsRangeIsRejected(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: out\ndataset: {format: arithmetic}\n"
                + "sft: {short_trace_fraction: 1.5}\n"))).hasMessageContaining("sft.short_trace_fraction is '1.5'")
                .hasMessageContaining("from 0 to 1");
    }

    @Test
    void shortTraceFractionNeedsGeneratedTraces(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("train.jsonl"), "{\"question\":\"1+1\",\"answer\":\"2\"}\n");

        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: out\n"
                + "dataset: {format: jsonl, train: train.jsonl}\nsft: {short_trace_fraction: 0.5}\n")))
                .hasMessageContaining("sft.short_trace_fraction is '0.5'")
                .hasMessageContaining("unless dataset.format is arithmetic");
    }

    @Test
    void errorsNameTheKeyTheValueAndWhatIsAllowed(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: out\ndataset: {format: csv}\n")))
                .hasMessageContaining("dataset.format is 'csv'").hasMessageContaining("allowed: gsm8k");
        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: out\ndataset: {format: arithmetic}\n"
                + "model: {preset: huge}\n"))).hasMessageContaining("model.preset is 'huge'")
                .hasMessageContaining("tiny, small, medium, large");
        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: out\ndataset: {format: arithmetic}\n"
                + "sft: {stpes: 3}\n"))).hasMessageContaining("unknown key 'sft.stpes'")
                .hasMessageContaining("steps");
        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: out\ndataset: {format: arithmetic}\n"
                + "evaluation: {samples: many}\n"))).hasMessageContaining("evaluation.samples is 'many'")
                .hasMessageContaining("expected a number");
        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: out\ndataset: {train: missing.jsonl}\n")))
                .hasMessageContaining("dataset.train is 'missing.jsonl'").hasMessageContaining("not an existing file");
        assertThatThrownBy(() -> RunConfig.read(write(dir, "dataset: {format: arithmetic}\n")))
                .hasMessageContaining("output_dir is missing");
        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: out\ndataset: {format: arithmetic}\n"
                + "rollout_instances: 40\n"))).hasMessageContaining("rollout_instances is '40'");
        assertThatThrownBy(() -> RunConfig.read(write(dir, "output_dir: [unclosed\n")))
                .hasMessageContaining("is not valid YAML");
    }

    @Test
    void shippedExamplesParse() throws Exception {
        Path examples = Path.of("..", "examples", "configs").toAbsolutePath().normalize();
        RunConfig arithmetic = RunConfig.read(examples.resolve("arithmetic.yaml"));

        assertThat(arithmetic.trainer()).containsEntry("task.name", "arithmetic").containsEntry("grpo.steps", "30");
        assertThat(arithmetic.outputDir().getFileName().toString()).isEqualTo("arithmetic-small");
    }
}
