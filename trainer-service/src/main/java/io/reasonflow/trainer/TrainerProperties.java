package io.reasonflow.trainer;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of a training run ({@code reasonflow.trainer.*}). Invalid values are rejected at start-up
 * with the property name, the value and what is allowed.
 *
 * @param runId        id of the run; names the policy versions and the output
 * @param outputDir    directory that receives metrics, evaluations, the summary and checkpoints
 * @param seed         seed of data order, model initialisation and sampling
 * @param autoStart    start the run when the application starts (a standalone trainer); the local
 *                     pipeline starts it itself
 * @param groupTimeout how long the trainer waits for the next scored group before it gives up
 * @param task         the training and evaluation data
 * @param model        the policy's size
 * @param sft          cold-start supervised fine-tuning
 * @param grpo         reinforcement learning with GRPO
 * @param eval         held-out evaluation protocol
 */
@ConfigurationProperties("reasonflow.trainer")
public record TrainerProperties(String runId, Path outputDir, long seed, boolean autoStart, Duration groupTimeout,
        Task task, Model model, Sft sft, Grpo grpo, Eval eval) {

    /**
     * @param name          {@code arithmetic} (generated from the seed) or {@code gsm8k} (read from {@code dataset})
     * @param dataset       GSM8K-format JSONL file, required when name is {@code gsm8k}
     * @param digits        digits per operand of generated arithmetic problems
     * @param trainExamples training examples to generate or read (0 reads the whole file)
     * @param evalExamples  held-out examples, disjoint from the training examples
     * @param maxPromptTokens prompts longer than this many tokens are skipped (and counted)
     */
    public record Task(String name, Path dataset, int digits, int trainExamples, int evalExamples,
            int maxPromptTokens) {
    }

    /** Policy size, in Hugging Face {@code config.json} terms. */
    public record Model(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize, int maxPositions) {
    }

    /**
     * @param steps        optimizer steps
     * @param batchSize    examples per step
     * @param learningRate AdamW learning rate
     * @param dataset      JSONL file of {@code prompt}/{@code completion} pairs to train on instead of the
     *                     task's generated reference traces, or null
     */
    public record Sft(int steps, int batchSize, double learningRate, Path dataset) {
    }

    /**
     * @param steps          optimizer steps, one policy version each
     * @param groupsPerStep  prompt groups per step
     * @param groupSize      G, completions per prompt
     * @param temperature    sampling temperature of training rollouts
     * @param maxNewTokens   completion length limit
     * @param learningRate   AdamW learning rate
     * @param epsilonLow     lower clip range of the importance ratio
     * @param epsilonHigh    upper clip range of the importance ratio
     * @param beta           weight of the k3 KL penalty to the reference policy
     * @param stalenessBound groups generated more than this many versions ago are dropped
     */
    public record Grpo(int steps, int groupsPerStep, int groupSize, double temperature, int maxNewTokens,
            double learningRate, double epsilonLow, double epsilonHigh, double beta, int stalenessBound) {
    }

    /**
     * @param samples      k, samples per held-out prompt
     * @param temperature  sampling temperature
     * @param topP         nucleus mass
     * @param maxNewTokens completion length limit
     * @param every        also evaluate after every this many GRPO steps; 0 evaluates only at the start,
     *                     after SFT and at the end
     */
    public record Eval(int samples, double temperature, double topP, int maxNewTokens, int every) {
    }

    public TrainerProperties {
        require(runId != null && !runId.isBlank(), "reasonflow.trainer.run-id", runId, "a non-empty id");
        require(outputDir != null, "reasonflow.trainer.output-dir", outputDir, "a directory path");
        require(groupTimeout != null && groupTimeout.toMillis() > 0, "reasonflow.trainer.group-timeout", groupTimeout,
                "a positive duration such as 5m");
        require(task != null && ("arithmetic".equals(task.name()) || "gsm8k".equals(task.name())),
                "reasonflow.trainer.task.name", task == null ? null : task.name(), "arithmetic or gsm8k");
        require(!"gsm8k".equals(task.name()) || task.dataset() != null, "reasonflow.trainer.task.dataset",
                task.dataset(), "a GSM8K JSONL file when the task is gsm8k");
        require(task.evalExamples() >= 1, "reasonflow.trainer.task.eval-examples", task.evalExamples(), ">= 1");
        require(task.trainExamples() >= 0, "reasonflow.trainer.task.train-examples", task.trainExamples(), ">= 0");
        require(model != null, "reasonflow.trainer.model", model, "model settings");
        require(sft != null && sft.steps() >= 0 && sft.batchSize() >= 1, "reasonflow.trainer.sft", sft,
                "steps >= 0 and batch-size >= 1");
        require(grpo != null, "reasonflow.trainer.grpo", grpo, "GRPO settings");
        require(grpo.steps() >= 0, "reasonflow.trainer.grpo.steps", grpo.steps(), ">= 0");
        require(grpo.groupsPerStep() >= 1, "reasonflow.trainer.grpo.groups-per-step", grpo.groupsPerStep(), ">= 1");
        require(grpo.groupSize() >= 2, "reasonflow.trainer.grpo.group-size", grpo.groupSize(),
                ">= 2, because group-relative advantages need at least two completions");
        require(grpo.temperature() > 0, "reasonflow.trainer.grpo.temperature", grpo.temperature(), "> 0");
        require(grpo.epsilonLow() > 0 && grpo.epsilonLow() < 1, "reasonflow.trainer.grpo.epsilon-low",
                grpo.epsilonLow(), "a value in (0, 1)");
        require(grpo.epsilonHigh() > 0, "reasonflow.trainer.grpo.epsilon-high", grpo.epsilonHigh(), "> 0");
        require(grpo.beta() >= 0, "reasonflow.trainer.grpo.beta", grpo.beta(), ">= 0");
        require(grpo.stalenessBound() >= 0, "reasonflow.trainer.grpo.staleness-bound", grpo.stalenessBound(), ">= 0");
        require(eval != null && eval.samples() >= 1, "reasonflow.trainer.eval.samples",
                eval == null ? null : eval.samples(), ">= 1");
        require(eval.every() >= 0, "reasonflow.trainer.eval.every", eval.every(), ">= 0 (0 turns it off)");
        require(eval.temperature() >= 0, "reasonflow.trainer.eval.temperature", eval.temperature(), ">= 0");
        require(eval.topP() > 0 && eval.topP() <= 1, "reasonflow.trainer.eval.top-p", eval.topP(), "a value in (0, 1]");
        require(sft.dataset() == null || java.nio.file.Files.isRegularFile(sft.dataset()),
                "reasonflow.trainer.sft.dataset", sft.dataset(), "a readable JSONL file of prompt/completion pairs");
    }

    private static void require(boolean valid, String property, Object value, String allowed) {
        if (!valid) {
            throw new IllegalArgumentException(property + " is " + value + ", expected " + allowed);
        }
    }
}
