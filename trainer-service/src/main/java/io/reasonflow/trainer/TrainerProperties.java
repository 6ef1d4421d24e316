package io.reasonflow.trainer;

import io.reasonflow.trainer.grpo.StdEstimator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of a training run ({@code reasonflow.trainer.*}). Invalid values are rejected at start-up
 * with the property name, the value and what is allowed.
 *
 * @param runId        id of the run; names the policy versions and the output
 * @param outputDir    directory that receives metrics, evaluations, the summary and checkpoints
 * @param seed         seed of data order, model initialisation and sampling
 * @param autoStart    start the run when the application starts (a standalone trainer); the local
 *                     pipeline starts it itself
 * @param groupTimeout how long the trainer waits for the next scored group before it gives up, and how long it
 *                     sends again a batch of records that timed out while the broker was unreachable
 * @param task         the training and evaluation data
 * @param model        the policy's size
 * @param sft          cold-start supervised fine-tuning
 * @param grpo         reinforcement learning with GRPO
 * @param eval         held-out evaluation protocol
 * @param checkpointEvery write a resumable checkpoint after every this many GRPO steps (0: only at the end of
 *                     SFT); {@code checkpoints/step-<N>} in the output directory
 * @param checkpointKeep how many step checkpoints to keep, the newest
 * @param resumeFrom   continue an interrupted run from this checkpoint directory, or from the newest checkpoint
 *                     of this output directory; null starts a new run
 * @param pipeline     settings of the services around the trainer that shape the run, such as the reward
 *                     service's {@code reward.weights.accuracy}; the trainer only records them in its
 *                     checkpoints, so that a resume with other values is rejected
 * @param policyStore  directory on a store the rollout workers share (a mounted volume) that receives each
 *                     policy version's weights as {@code <run>/v<version>.safetensors}; the manifest then
 *                     carries its {@code file:} URI instead of chunks on the broker. Null sends chunks.
 * @param maxRecordBytes largest scored group, in bytes, that the trainer reads (default 8 MiB, the fetch size that
 *                     {@code trainer-service.properties} sets). A larger record goes to {@code reasonflow.scored.dlq}
 *                     without its value, and its group counts as dead-lettered.
 * @param base         base pretraining on plain problem and answer text before cold-start SFT, which runs
 *                     when {@code base.steps} is above 0
 */
@ConfigurationProperties(prefix = "reasonflow.trainer", ignoreUnknownFields = false)
public record TrainerProperties(String runId, Path outputDir, long seed, boolean autoStart, Duration groupTimeout,
        Task task, Model model, Sft sft, Grpo grpo, Eval eval, @DefaultValue("10") int checkpointEvery,
        @DefaultValue("3") int checkpointKeep, Path resumeFrom, Map<String, String> pipeline,
        Path policyStore, @DefaultValue("8388608") int maxRecordBytes, @DefaultValue Base base) {

    /**
     * @param name          {@code arithmetic} (generated from the seed), {@code gsm8k} (a GSM8K-format file) or
     *                      {@code jsonl} (a file of {@code question}/{@code answer} objects, with an optional
     *                      {@code solution})
     * @param dataset       the JSONL file, required when name is {@code gsm8k} or {@code jsonl}
     * @param evalDataset   a held-out file in the same format; null holds out about a tenth of {@code dataset} by a
     *                      hash of the question
     * @param digits        digits per operand of generated arithmetic problems
     * @param trainExamples training examples to generate or read (0 reads the whole file)
     * @param evalExamples  held-out examples, disjoint from the training examples
     * @param maxPromptTokens prompts longer than this many tokens are skipped (and counted)
     */
    public record Task(String name, Path dataset, Path evalDataset, int digits, int trainExamples, int evalExamples,
            int maxPromptTokens) {
    }

    /**
     * Policy size, in Hugging Face {@code config.json} terms, or a checkpoint to start from.
     *
     * @param checkpoint Hugging Face-format directory ({@code config.json}, safetensors weights and, for a subword
     *                   model, {@code tokenizer.json}) whose weights are the initial policy; the sizes are then read
     *                   from its {@code config.json}. Null trains from freshly initialised weights.
     */
    public record Model(int hiddenSize, int layers, int heads, int kvHeads, int intermediateSize, int maxPositions,
            Path checkpoint) {
    }

    /**
     * Base pretraining: next-token prediction on plain problem and answer lines such as {@code 472+389=861},
     * with no reasoning and no prompt template, before cold-start SFT. The lines come from the training side of
     * the held-out split. Only the generated arithmetic task has such a corpus.
     *
     * @param steps        optimizer steps; 0 skips the stage
     * @param batchSize    sequences per step, each one problem line
     * @param learningRate AdamW peak learning rate, with the warm-up and cosine decay of cold-start SFT. Lower than
     *                     SFT's: at 0.003 the stage left the SFT that followed far behind
     */
    public record Base(@DefaultValue("0") int steps, @DefaultValue("32") int batchSize,
            @DefaultValue("0.0005") double learningRate) {
    }

    /**
     * @param steps        optimizer steps
     * @param batchSize    examples per step
     * @param learningRate AdamW learning rate
     * @param dataset      JSONL file of {@code prompt}/{@code completion} pairs to train on instead of the
     *                     task's generated reference traces, or null
     * @param examples     size of the cold-start set: the first N examples (of the dataset, or of the task's
     *                     training split), 0 for all of them. R1's cold start is a small set of readable traces,
     *                     and the training prompts beyond it are left to reinforcement learning
     * @param shortTraceFraction share of the generated arithmetic traces that restate the question and give the
     *                     result at once, without the column lines. The rest are worked column by column, and 0
     *                     works every trace. Only for the arithmetic task without {@code dataset}
     */
    public record Sft(int steps, int batchSize, double learningRate, Path dataset, @DefaultValue("0") int examples,
            @DefaultValue("0") double shortTraceFraction) {
    }

    /**
     * Reinforcement learning with GRPO ({@code reasonflow.trainer.grpo.*}). {@code docs/grpo.md} gives every
     * option with its default and the paper behind it.
     *
     * @param steps          GRPO steps, one policy version each
     * @param groupsPerStep  prompt groups per step
     * @param groupSize      G, completions per prompt, >= 2
     * @param temperature    sampling temperature of training rollouts
     * @param maxNewTokens   completion length limit; also L of the constant loss normaliser
     * @param stalenessBound groups generated more than this many versions ago are dropped
     * @param epsilonLow     lower clip range of the importance ratio
     * @param epsilonHigh    upper clip range of the importance ratio (clip-higher when above epsilon-low)
     * @param beta           weight of the k3 KL penalty to the reference policy
     * @param dualClip       dual-clip constant c > 1 for negative advantages, or 0 for none
     * @param decoupled      train stale groups with the decoupled objective: clip against the proximal policy
     *                       (the policy at the start of the step) and weight by pi_prox / pi_behaviour
     * @param importanceWeightCap largest importance weight pi_prox / pi_behaviour of the decoupled objective, >= 1
     * @param referenceResetSteps copy the policy into the KL reference after every this many steps; 0 keeps the
     *                       reference at the model GRPO started from
     * @param advantageScaling divisor of the group-centred rewards: group std, batch std or none
     * @param stdEstimator   standard deviation of group-std and batch-std: sample (n - 1) or population (n)
     * @param advantageEpsilon added to the standard deviation before dividing
     * @param lossAggregation reduction of per-token losses: sequence mean, token mean or constant normaliser
     * @param maskTruncated  leave completions that hit the length limit out of the loss
     * @param dynamicSampling drop groups whose rewards are all equal and sample replacements
     * @param dynamicSamplingMaxSkips after this many groups dropped in a row, the next one is kept so a run
     *                       whose groups all agree still advances
     * @param mu             passes over each step's batch
     * @param minibatchSize  completions per optimizer step, a divisor of groups-per-step x group-size; 0 takes the
     *                       whole batch
     * @param microBatchSize completions per forward and backward pass, gradients accumulated up to the minibatch;
     *                       0 takes the whole minibatch
     * @param learningRate   AdamW peak learning rate
     * @param warmupSteps    optimizer steps of linear learning-rate warm-up
     * @param minLearningRateRatio learning rate at the last optimizer step as a fraction of the peak, reached by a
     *                       cosine decay; 1 keeps the rate constant
     * @param weightDecay    AdamW decoupled weight decay
     * @param maxGradNorm    clip the global gradient norm to this value; 0 turns clipping off
     */
    public record Grpo(int steps, int groupsPerStep, int groupSize, double temperature, int maxNewTokens,
            double learningRate, double epsilonLow, double epsilonHigh, double beta, int stalenessBound,
            double dualClip, boolean decoupled, double importanceWeightCap, int referenceResetSteps,
            String advantageScaling, String stdEstimator, double advantageEpsilon, String lossAggregation,
            boolean maskTruncated, boolean dynamicSampling, int dynamicSamplingMaxSkips, int mu, int minibatchSize,
            int microBatchSize, int warmupSteps, double minLearningRateRatio, double weightDecay, double maxGradNorm) {

        /** Divisor of the group-centred rewards, chosen by {@code advantage-scaling}. */
        public enum Scaling {
            /** Standard deviation of the group (DeepSeekMath). */
            GROUP_STD,
            /** Standard deviation of the whole batch. */
            BATCH_STD,
            /** None: the centred reward itself (Dr. GRPO). */
            NONE
        }

        /** Reduction of per-token losses, chosen by {@code loss-aggregation}. */
        public enum Aggregation {
            /** Mean over each completion's tokens, then over completions (DeepSeekMath). */
            SEQUENCE_MEAN,
            /** Mean over all tokens of the batch (DAPO). */
            TOKEN_MEAN,
            /** Sum over tokens divided by completions x max-new-tokens (Dr. GRPO). */
            CONSTANT
        }

        /** Rejects invalid values, naming the property, the value and what is allowed. */
        @ConstructorBinding
        public Grpo {
            String p = "reasonflow.trainer.grpo.";
            require(steps >= 0, p + "steps", steps, ">= 0");
            require(groupsPerStep >= 1, p + "groups-per-step", groupsPerStep, ">= 1");
            require(groupSize >= 2, p + "group-size", groupSize,
                    ">= 2, because group-relative advantages need at least two completions");
            require(temperature > 0, p + "temperature", temperature, "> 0");
            require(maxNewTokens >= 1, p + "max-new-tokens", maxNewTokens, ">= 1");
            require(learningRate >= 0 && Double.isFinite(learningRate), p + "learning-rate", learningRate,
                    "a finite value >= 0");
            require(epsilonLow > 0 && epsilonLow < 1, p + "epsilon-low", epsilonLow, "a value in (0, 1)");
            require(epsilonHigh > 0 && Double.isFinite(epsilonHigh), p + "epsilon-high", epsilonHigh,
                    "a finite value > 0");
            require(beta >= 0 && Double.isFinite(beta), p + "beta", beta, "a finite value >= 0");
            require(stalenessBound >= 0, p + "staleness-bound", stalenessBound, ">= 0");
            require(dualClip == 0 || dualClip > 1 && Double.isFinite(dualClip), p + "dual-clip", dualClip,
                    "0 (off) or a finite value > 1");
            require(importanceWeightCap >= 1, p + "importance-weight-cap", importanceWeightCap, ">= 1");
            require(referenceResetSteps >= 0, p + "reference-reset-steps", referenceResetSteps,
                    ">= 0 (0 never resets)");
            require(choice(Scaling.class, advantageScaling) != null, p + "advantage-scaling", advantageScaling,
                    "group-std, batch-std or none");
            require(choice(StdEstimator.class, stdEstimator) != null, p + "std-estimator", stdEstimator,
                    "sample or population");
            require(advantageEpsilon >= 0 && Double.isFinite(advantageEpsilon), p + "advantage-epsilon",
                    advantageEpsilon, "a finite value >= 0");
            require(choice(Aggregation.class, lossAggregation) != null, p + "loss-aggregation", lossAggregation,
                    "sequence-mean, token-mean or constant");
            require(dynamicSamplingMaxSkips >= 1, p + "dynamic-sampling-max-skips", dynamicSamplingMaxSkips, ">= 1");
            require(mu >= 1, p + "mu", mu, ">= 1");
            int batch = groupsPerStep * groupSize;
            require(minibatchSize == 0 || minibatchSize > 0 && batch % minibatchSize == 0, p + "minibatch-size",
                    minibatchSize, "0 (the whole batch) or a divisor of groups-per-step x group-size = " + batch);
            require(microBatchSize >= 0, p + "micro-batch-size", microBatchSize, ">= 0 (0 takes the whole minibatch)");
            require(warmupSteps >= 0, p + "warmup-steps", warmupSteps, ">= 0");
            require(minLearningRateRatio >= 0 && minLearningRateRatio <= 1, p + "min-learning-rate-ratio",
                    minLearningRateRatio, "a value in [0, 1]");
            require(weightDecay >= 0 && Double.isFinite(weightDecay), p + "weight-decay", weightDecay,
                    "a finite value >= 0");
            require(maxGradNorm >= 0 && Double.isFinite(maxGradNorm), p + "max-grad-norm", maxGradNorm,
                    "a finite value >= 0 (0 turns clipping off)");
        }

        /**
         * Creates settings with the given rollout and clipping values and the defaults of
         * {@code trainer-service.properties} for every other option.
         */
        public Grpo(int steps, int groupsPerStep, int groupSize, double temperature, int maxNewTokens,
                double learningRate, double epsilonLow, double epsilonHigh, double beta, int stalenessBound) {
            this(steps, groupsPerStep, groupSize, temperature, maxNewTokens, learningRate, epsilonLow, epsilonHigh,
                    beta, stalenessBound, 0.0, true, 5.0, 0, "group-std", "sample", 1e-4, "sequence-mean", false,
                    false, 64, 1, 0, 0, 0, 1.0, 0.01, 1.0);
        }

        /** Returns the choice of {@code advantage-scaling}. */
        public Scaling scaling() {
            return choice(Scaling.class, advantageScaling);
        }

        /** Returns the choice of {@code std-estimator}. */
        public StdEstimator estimator() {
            return choice(StdEstimator.class, stdEstimator);
        }

        /** Returns the choice of {@code loss-aggregation}. */
        public Aggregation aggregation() {
            return choice(Aggregation.class, lossAggregation);
        }

        /**
         * Returns the constant of {@code type} that {@code value} names in kebab case ({@code token-mean} for
         * {@code TOKEN_MEAN}; case and {@code _} for {@code -} do not matter), or null when none does.
         */
        private static <E extends Enum<E>> E choice(Class<E> type, String value) {
            if (value == null) {
                return null;
            }
            String name = value.trim().replace('-', '_').toUpperCase(java.util.Locale.ROOT);
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equals(name)) {
                    return constant;
                }
            }
            return null;
        }

        /** Returns the completions of one step: groups-per-step x group-size. */
        public int completionsPerStep() {
            return groupsPerStep * groupSize;
        }

        /** Returns the optimizer steps of one GRPO step: mu passes times the minibatches of a batch. */
        public int optimizerStepsPerStep() {
            return mu * (minibatchSize == 0 ? 1 : completionsPerStep() / minibatchSize);
        }
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
        require(checkpointEvery >= 0, "reasonflow.trainer.checkpoint-every", checkpointEvery,
                ">= 0 (0 checkpoints only at the end of SFT)");
        require(checkpointKeep >= 1, "reasonflow.trainer.checkpoint-keep", checkpointKeep, ">= 1");
        require(maxRecordBytes >= 1, "reasonflow.trainer.max-record-bytes", maxRecordBytes,
                "a positive number of bytes such as 8388608");
        pipeline = pipeline == null ? Map.of() : Map.copyOf(pipeline);
        require(resumeFrom == null || java.nio.file.Files.isDirectory(resumeFrom), "reasonflow.trainer.resume-from",
                resumeFrom, "an existing checkpoint directory or run output directory");
        require(task != null && java.util.Set.of("arithmetic", "gsm8k", "jsonl").contains(task.name()),
                "reasonflow.trainer.task.name", task == null ? null : task.name(), "arithmetic, gsm8k or jsonl");
        boolean fromFile = !"arithmetic".equals(task.name());
        require(!fromFile || (task.dataset() != null && java.nio.file.Files.isRegularFile(task.dataset())),
                "reasonflow.trainer.task.dataset", task.dataset(), "an existing JSONL file when the task is gsm8k or jsonl");
        require(task.evalDataset() == null || (fromFile && java.nio.file.Files.isRegularFile(task.evalDataset())),
                "reasonflow.trainer.task.eval-dataset", task.evalDataset(),
                "an existing JSONL file in the dataset's format, only with task gsm8k or jsonl");
        require(model == null || model.checkpoint() == null
                || java.nio.file.Files.isRegularFile(model.checkpoint().resolve("config.json")),
                "reasonflow.trainer.model.checkpoint", model == null ? null : model.checkpoint(),
                "a Hugging Face-format model directory with config.json and safetensors weights");
        require(task.evalExamples() >= 1, "reasonflow.trainer.task.eval-examples", task.evalExamples(), ">= 1");
        require(task.trainExamples() >= 0, "reasonflow.trainer.task.train-examples", task.trainExamples(), ">= 0");
        require(model != null, "reasonflow.trainer.model", model, "model settings");
        require(sft != null && sft.steps() >= 0 && sft.batchSize() >= 1, "reasonflow.trainer.sft", sft,
                "steps >= 0 and batch-size >= 1");
        require(base != null && base.steps() >= 0, "reasonflow.trainer.base.steps", base == null ? null : base.steps(),
                ">= 0 (0 skips base pretraining)");
        require(base.batchSize() >= 1, "reasonflow.trainer.base.batch-size", base.batchSize(), ">= 1");
        require(base.learningRate() > 0 && Double.isFinite(base.learningRate()), "reasonflow.trainer.base.learning-rate",
                base.learningRate(), "a finite value > 0");
        require(base.steps() == 0 || "arithmetic".equals(task.name()), "reasonflow.trainer.base.steps", base.steps(),
                "0 when the task is " + task.name() + ", because base pretraining generates arithmetic text");
        require(grpo != null, "reasonflow.trainer.grpo", grpo, "GRPO settings");
        require(eval != null && eval.samples() >= 1, "reasonflow.trainer.eval.samples",
                eval == null ? null : eval.samples(), ">= 1");
        require(eval.every() >= 0, "reasonflow.trainer.eval.every", eval.every(), ">= 0 (0 turns it off)");
        require(eval.temperature() >= 0, "reasonflow.trainer.eval.temperature", eval.temperature(), ">= 0");
        require(eval.topP() > 0 && eval.topP() <= 1, "reasonflow.trainer.eval.top-p", eval.topP(), "a value in (0, 1]");
        require(sft.examples() >= 0, "reasonflow.trainer.sft.examples", sft.examples(),
                ">= 0 (0 trains on every example)");
        require(sft.shortTraceFraction() >= 0 && sft.shortTraceFraction() <= 1,
                "reasonflow.trainer.sft.short-trace-fraction", sft.shortTraceFraction(), "a value in [0, 1]");
        require(sft.shortTraceFraction() == 0 || ("arithmetic".equals(task.name()) && sft.dataset() == null),
                "reasonflow.trainer.sft.short-trace-fraction", sft.shortTraceFraction(),
                "0 unless the task is arithmetic and sft.dataset is unset, because only generated traces have columns");
        require(sft.dataset() == null || java.nio.file.Files.isRegularFile(sft.dataset()),
                "reasonflow.trainer.sft.dataset", sft.dataset(), "a readable JSONL file of prompt/completion pairs");
    }

    private static void require(boolean valid, String property, Object value, String allowed) {
        if (!valid) {
            throw new IllegalArgumentException(property + " is " + value + ", expected " + allowed);
        }
    }
}
