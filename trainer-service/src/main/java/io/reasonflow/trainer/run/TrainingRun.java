package io.reasonflow.trainer.run;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.checkpoint.Checkpoints;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.prompt.PromptTemplate;
import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.eval.EvalAggregator;
import io.reasonflow.trainer.grpo.GrpoStepStats;
import io.reasonflow.trainer.grpo.GrpoUpdate;
import io.reasonflow.trainer.io.TrainerIo;
import io.reasonflow.trainer.ledger.Ledger;
import io.reasonflow.trainer.policy.PolicyVersions;
import io.reasonflow.trainer.sft.SftJsonl;
import io.reasonflow.trainer.sft.SftPair;
import io.reasonflow.trainer.sft.SftTrainer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run from start to end. It publishes the initial policy and evaluates it, runs cold-start
 * SFT on the reference traces and evaluates again. Then it runs GRPO steps on scored groups read back
 * from the pipeline, publishing prompts with flow control and a new policy version after every step.
 * A final evaluation and the summary close the run.
 */
public class TrainingRun {
    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);
    private static final Duration POLL_SLICE = Duration.ofMillis(200);

    /** Receives one human-readable line per step or stage. */
    public interface Progress {
        void line(String text);
    }

    private final TrainerProperties properties;
    private final TrainerIo io;
    private final Ledger ledger = new Ledger();
    private final ByteTokenizer tokenizer = new ByteTokenizer();
    private final PromptFactory prompts;
    private final PolicyVersions versions;
    private final TreeSet<Long> versionsSeenInRollouts = new TreeSet<>();
    private final Map<String, Object> evaluations = new LinkedHashMap<>();
    private int trainCursor;

    public TrainingRun(TrainerProperties properties, TrainerIo io) {
        this.properties = properties;
        this.io = io;
        this.prompts = new PromptFactory(properties.runId(), PromptTemplate.R1_ZERO_COMPACT);
        this.versions = new PolicyVersions(io, properties.runId());
    }

    public Ledger ledger() {
        return ledger;
    }

    /** Runs every stage and returns the summary that was also written to {@code summary.json}. */
    public Map<String, Object> run(Progress progress) throws InterruptedException {
        long started = System.nanoTime();
        TaskData data = TaskData.load(properties.task(), properties.seed(), tokenizer, prompts);
        progress.line(String.format("Task %s: %d training and %d held-out examples (%d skipped as too long)",
                data.name(), data.train().size(), data.eval().size(), data.skipped()));
        List<SftPair> sftPairs = properties.sft().dataset() == null ? data.sftPairs()
                : SftJsonl.read(properties.sft().dataset(), tokenizer);
        if (properties.sft().dataset() != null) {
            progress.line(String.format("SFT examples: %d from %s", sftPairs.size(), properties.sft().dataset()));
        }
        ModelConfig config = modelConfig();
        try (RunOutput output = new RunOutput(properties.outputDir());
                PolicyModel policy = PolicyModel.initialize(config, properties.seed())) {
            progress.line(String.format("Policy: %,d parameters (hidden %d, %d layers); output in %s",
                    policy.parameterCount(), config.hiddenSize(), config.numHiddenLayers(), output.directory()));
            versions.publish(policy, 0);
            evaluate("start", data, output, progress);

            SftTrainer sft = new SftTrainer(policy, tokenizer, properties.sft(), properties.seed());
            double sftLoss = sft.train(sftPairs, (step, loss) -> {
                if (step % Math.max(1, properties.sft().steps() / 10) == 0 || step == properties.sft().steps()) {
                    progress.line(String.format("sft step %d/%d loss %.4f", step, properties.sft().steps(), loss));
                }
            });
            Checkpoints.save(output.checkpointDirectory("sft"), policy);
            versions.publish(policy, 0);
            evaluate("sft", data, output, progress);

            long grpoStarted = System.nanoTime();
            trainGrpo(policy, data, output, progress);
            double grpoSeconds = (System.nanoTime() - grpoStarted) / 1e9;
            Checkpoints.save(output.checkpointDirectory("final"), policy);
            evaluate("final", data, output, progress);

            Map<String, Object> summary = summary(data, policy, sftLoss, grpoSeconds, started);
            output.writeSummary(summary);
            reportLedger(progress);
            return summary;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot close the run output: " + e.getMessage(), e);
        }
    }

    private void trainGrpo(PolicyModel policy, TaskData data, RunOutput output, Progress progress)
            throws InterruptedException {
        TrainerProperties.Grpo grpo = properties.grpo();
        SamplingSettings sampling = new SamplingSettings(grpo.groupSize(), grpo.temperature(), 1.0, 0,
                grpo.maxNewTokens(), PromptFactory.STOP);
        int window = grpo.groupsPerStep() * (1 + grpo.stalenessBound());
        List<ScoredGroup> buffer = new ArrayList<>();
        try (PolicyModel reference = policy.copy(); GrpoUpdate update = new GrpoUpdate(policy, reference, tokenizer, grpo)) {
            long lastStepEnd = System.nanoTime();
            for (int step = 1; step <= grpo.steps(); step++) {
                int remainingNeed = (grpo.steps() - step + 1) * grpo.groupsPerStep();
                fillBuffer(buffer, grpo.groupsPerStep(), window, remainingNeed, sampling, data);
                List<ScoredGroup> batch = new ArrayList<>(buffer.subList(0, grpo.groupsPerStep()));
                buffer.subList(0, grpo.groupsPerStep()).clear();
                long current = versions.latestVersion();
                GrpoStepStats stats = update.step(batch);
                ledger.trained(batch.size());
                long version = versions.publish(policy, step);
                long now = System.nanoTime();
                Map<String, Object> metrics = StepMetrics.of(step, version, batch, stats, current,
                        (now - lastStepEnd) / 1e9, ledger.droppedStaleCount());
                lastStepEnd = now;
                output.appendMetrics(metrics);
                progress.line(StepMetrics.line(step, grpo.steps(), metrics));
                int every = properties.eval().every();
                if (every > 0 && step % every == 0 && step < grpo.steps()) {
                    evaluate("step-" + step, data, output, progress);
                }
            }
        }
    }

    /** Publishes prompts within the window and reads scored groups until {@code size} usable ones are buffered. */
    private void fillBuffer(List<ScoredGroup> buffer, int size, int window, int remainingNeed, SamplingSettings sampling,
            TaskData data) throws InterruptedException {
        long deadline = System.nanoTime() + properties.groupTimeout().toNanos();
        while (buffer.size() < size) {
            int pending = ledger.outstandingTrain() + buffer.size();
            int toPublish = Math.min(window, remainingNeed) - pending;
            if (toPublish > 0) {
                publishTrainPrompts(toPublish, sampling, data);
            }
            applyDeadLetters();
            ScoredGroup scored = io.pollScored(Purpose.TRAIN, POLL_SLICE);
            if (scored != null) {
                accept(scored, buffer);
                deadline = System.nanoTime() + properties.groupTimeout().toNanos();
            } else if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no scored training group arrived within " + properties.groupTimeout()
                        + "; check that the rollout and reward services are running. Ledger: " + ledger);
            }
        }
    }

    private void accept(ScoredGroup scored, List<ScoredGroup> buffer) {
        if (!ledger.scoredTrain(scored.groupId())) {
            log.warn("Ignoring scored group {}: not published by this run or already received", scored.groupId());
            return;
        }
        long generatedWith = scored.group().policyVersion();
        versionsSeenInRollouts.add(generatedWith);
        long staleness = versions.latestVersion() - generatedWith;
        if (staleness > properties.grpo().stalenessBound()) {
            ledger.droppedStale();
            log.info("Dropped group {}: generated with version {}, {} versions behind (bound {})", scored.groupId(),
                    generatedWith, staleness, properties.grpo().stalenessBound());
            return;
        }
        buffer.add(scored);
    }

    private void publishTrainPrompts(int count, SamplingSettings sampling, TaskData data) {
        List<PromptMessage> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            TaskExample example = data.train().get(trainCursor++ % data.train().size());
            PromptMessage prompt = prompts.create(example, Purpose.TRAIN, sampling, versions.latestVersion());
            batch.add(prompt);
        }
        io.publishPrompts(batch);
        batch.forEach(p -> ledger.publishedTrain(p.groupId()));
    }

    private void applyDeadLetters() {
        for (String groupId : io.drainDeadLettered()) {
            ledger.deadLettered(groupId);
        }
    }

    private void evaluate(String stage, TaskData data, RunOutput output, Progress progress) throws InterruptedException {
        TrainerProperties.Eval eval = properties.eval();
        SamplingSettings sampling = new SamplingSettings(eval.samples(), eval.temperature(), eval.topP(), 0,
                eval.maxNewTokens(), PromptFactory.STOP);
        long version = versions.latestVersion();
        List<PromptMessage> batch = new ArrayList<>();
        for (TaskExample example : data.eval()) {
            batch.add(prompts.create(example, Purpose.EVAL, sampling, version));
        }
        io.publishPrompts(batch);
        batch.forEach(p -> ledger.publishedEval(p.groupId()));
        List<ScoredGroup> scored = new ArrayList<>();
        long deadline = System.nanoTime() + properties.groupTimeout().toNanos();
        while (ledger.outstandingEval() > 0) {
            applyDeadLetters();
            ScoredGroup group = io.pollScored(Purpose.EVAL, POLL_SLICE);
            if (group != null && ledger.scoredEval(group.groupId())) {
                versionsSeenInRollouts.add(group.group().policyVersion());
                scored.add(group);
                deadline = System.nanoTime() + properties.groupTimeout().toNanos();
            } else if (System.nanoTime() > deadline) {
                throw new IllegalStateException("evaluation '" + stage + "' is missing " + ledger.outstandingEval()
                        + " groups after " + properties.groupTimeout() + "; check the rollout and reward services");
            }
        }
        EvalResult result = EvalAggregator.aggregate(properties.runId(), stage, version, data.name(), scored);
        io.publishEval(result);
        output.appendEval(result);
        evaluations.put(stage, result);
        progress.line(String.format("eval %-5s version %d: pass@1 %.3f maj@%d %.3f format %.3f length %.1f (%d prompts)",
                stage, version, result.passAt1(), result.samplesPerPrompt(), result.majAtK(), result.formatRate(),
                result.meanLength(), result.prompts()));
    }

    private void reportLedger(Progress progress) {
        applyDeadLetters();
        if (ledger.balanced()) {
            progress.line("Ledger balanced: " + ledger);
        } else {
            progress.line("LEDGER MISMATCH: training groups do not balance: " + ledger);
            log.error("Ledger mismatch: published must equal scored + dead_lettered, and scored must equal "
                    + "trained + dropped_stale + filtered: {}", ledger);
        }
    }

    private Map<String, Object> summary(TaskData data, PolicyModel policy, double sftLoss, double grpoSeconds,
            long started) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run_id", properties.runId());
        summary.put("task", data.name());
        summary.put("train_examples", data.train().size());
        summary.put("eval_examples", data.eval().size());
        summary.put("parameters", policy.parameterCount());
        summary.put("policy_versions", versions.latestVersion() + 1);
        summary.put("policy_versions_seen_in_rollouts", List.copyOf(versionsSeenInRollouts));
        summary.put("sft_steps", properties.sft().steps());
        summary.put("sft_final_loss", sftLoss);
        summary.put("grpo_steps", properties.grpo().steps());
        summary.put("grpo_seconds", grpoSeconds);
        summary.put("ledger", ledger.toMap());
        summary.put("evaluations", evaluations);
        summary.put("wall_seconds", (System.nanoTime() - started) / 1e9);
        return summary;
    }

    private ModelConfig modelConfig() {
        TrainerProperties.Model m = properties.model();
        return new ModelConfig(tokenizer.vocabSize(), m.hiddenSize(), m.layers(), m.heads(), m.kvHeads(),
                m.intermediateSize(), m.maxPositions(), 10000.0, 1e-5, true, tokenizer.bosId(), tokenizer.eosId());
    }
}
