package io.reasonflow.trainer.run;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.checkpoint.Checkpoints;
import io.reasonflow.model.training.AdamW;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.tokenizer.HfTokenizer;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.prompt.PromptTemplate;
import io.reasonflow.tasks.split.HeldOutSplit;
import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.base.BaseCorpus;
import io.reasonflow.trainer.checkpoint.CheckpointManifest;
import io.reasonflow.trainer.checkpoint.CheckpointStore;
import io.reasonflow.trainer.checkpoint.RunSettings;
import io.reasonflow.trainer.checkpoint.SavedCheckpoint;
import io.reasonflow.trainer.checkpoint.TrainerState;
import io.reasonflow.trainer.eval.EvalAggregator;
import io.reasonflow.trainer.eval.EvalSamples;
import io.reasonflow.trainer.grpo.DynamicSampling;
import io.reasonflow.trainer.grpo.GrpoStepStats;
import io.reasonflow.trainer.grpo.GrpoUpdate;
import io.reasonflow.trainer.io.InputPosition;
import io.reasonflow.trainer.io.TrainerIo;
import io.reasonflow.trainer.ledger.Ledger;
import io.reasonflow.trainer.policy.PolicyVersions;
import io.reasonflow.trainer.sft.SftJsonl;
import io.reasonflow.trainer.sft.SftPair;
import io.reasonflow.trainer.sft.SftTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private Ledger ledger = new Ledger();
    private final Tokenizer tokenizer;
    private final PromptFactory prompts;
    private final PolicyVersions versions;
    private final TreeSet<Long> versionsSeenInRollouts = new TreeSet<>();
    private final Map<String, Object> evaluations = new LinkedHashMap<>();
    private final DynamicSampling dynamicSampling;
    private int trainCursor;
    /** Dead-lettered groups since the last scored one; too many in a row stop the run. */
    private int deadLetteredInARow;
    /** Prompts of training groups not yet trained, which a checkpoint keeps for a resume on another cluster. */
    private final Map<String, PromptMessage> unsettledPrompts = new LinkedHashMap<>();
    private CheckpointStore checkpoints;
    private int attempt;
    private Double sftFinalLoss;
    private double earlierWallSeconds;
    /** Wall seconds from the start of the run to the end of each stage's evaluation, in this attempt's view. */
    private final Map<String, Double> stageSeconds = new LinkedHashMap<>();
    private double earlierGrpoSeconds;
    private long startedNanos;
    private long grpoStartedNanos;
    private java.util.function.Consumer<Map<String, Object>> stepObserver = step -> { };

    public TrainingRun(TrainerProperties properties, TrainerIo io) {
        this.properties = properties;
        this.io = io;
        this.tokenizer = tokenizerOf(properties.model().checkpoint());
        this.prompts = new PromptFactory(properties.runId(), PromptTemplate.R1_ZERO_COMPACT, properties.seed());
        this.versions = new PolicyVersions(io, properties.runId(), properties.policyStore());
        this.dynamicSampling = DynamicSampling.of(properties.grpo());
    }

    /** Calls {@code observer} with the figures of every GRPO step, as written to {@code metrics.jsonl}. */
    public void observeSteps(java.util.function.Consumer<Map<String, Object>> observer) {
        this.stepObserver = observer;
    }

    public Ledger ledger() {
        return ledger;
    }

    /** Runs every stage and returns the summary that was also written to {@code summary.json}. */
    public Map<String, Object> run(Progress progress) throws InterruptedException {
        long started = System.nanoTime();
        startedNanos = started;
        SavedCheckpoint resumed = resumePoint();
        checkpoints = new CheckpointStore(properties.outputDir().resolve("checkpoints"), properties.checkpointKeep());
        TaskData data = TaskData.load(properties.task(), properties.seed(), tokenizer, prompts);
        progress.line(String.format("Task %s: %d training and %d held-out examples (%d skipped as too long)",
                data.name(), data.train().size(), data.eval().size(), data.skipped()));
        double shortTraces = properties.sft().shortTraceFraction();
        List<SftPair> sftPairs;
        String sftSource;
        if (properties.sft().dataset() != null) {
            sftPairs = SftJsonl.read(properties.sft().dataset(), tokenizer);
            sftSource = properties.sft().dataset().toString();
        } else if (shortTraces > 0) {
            sftPairs = data.withShortTraces(shortTraces, properties.seed(), tokenizer, prompts);
            sftSource = String.format("the task's reference traces, %.0f%% of them short", 100 * shortTraces);
        } else {
            sftPairs = data.sftPairs();
            sftSource = "the task's reference traces";
        }
        int available = sftPairs.size();
        if (properties.sft().examples() > 0 && properties.sft().examples() < available) {
            sftPairs = sftPairs.subList(0, properties.sft().examples());
        }
        progress.line(String.format("SFT examples: %d of %d from %s", sftPairs.size(), available, sftSource));
        try (RunOutput output = resumed == null ? new RunOutput(properties.outputDir())
                        : new RunOutput(properties.outputDir(), resumed.metricsLines(), resumed.evalLines());
                PolicyModel policy = resumed != null ? resumed.loadPolicy()
                        : properties.model().checkpoint() != null ? Checkpoints.load(properties.model().checkpoint())
                        : PolicyModel.initialize(modelConfig(), properties.seed())) {
            ModelConfig config = policy.config();
            progress.line(String.format("Policy: %,d parameters (hidden %d, %d layer(s)); output in %s",
                    policy.parameterCount(), config.hiddenSize(), config.numHiddenLayers(), output.directory()));
            boolean sameCluster = io.startReading(resumed == null ? null : resumed.state().inputs());
            if (resumed != null) {
                restore(resumed, policy, sameCluster, progress);
                return finish(policy, data, output, progress, resumed);
            }
            versions.publish(policy, 0);
            evaluate("start", data, output, progress);
            if (properties.base().steps() > 0) {
                pretrainBase(policy, data, output, progress);
            }

            SftTrainer sft = new SftTrainer(policy, tokenizer, properties.sft(), properties.seed());
            double sftLoss = sft.train(sftPairs, (step, loss) -> {
                if (step % Math.max(1, properties.sft().steps() / 10) == 0 || step == properties.sft().steps()) {
                    progress.line(String.format("sft step %d/%d loss %.4f", step, properties.sft().steps(), loss));
                }
            });
            Checkpoints.save(output.checkpointDirectory("sft"), policy);
            versions.publish(policy, 0);
            evaluate("sft", data, output, progress);
            sftFinalLoss = Double.isFinite(sftLoss) ? sftLoss : null;
            writeCheckpoint(0, policy, policy, null, List.of(), output, progress);
            return finish(policy, data, output, progress, null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot close the run output: " + e.getMessage(), e);
        }
    }

    /**
     * Base pretraining on plain problem and answer lines, then {@code checkpoints/base}, a policy version and the
     * evaluation {@code base}, which prompts with the question and {@code =} as the model was trained.
     */
    private void pretrainBase(PolicyModel policy, TaskData data, RunOutput output, Progress progress)
            throws InterruptedException {
        TrainerProperties.Base base = properties.base();
        int sequences = (int) Math.min((long) base.steps() * base.batchSize(), Integer.MAX_VALUE);
        List<SftPair> corpus = BaseCorpus.sequences(properties.task().digits(), properties.seed() + 2, sequences,
                new HeldOutSplit(TaskData.EVAL_FRACTION), tokenizer);
        progress.line(String.format("Base corpus: %d problem lines such as %s", corpus.size(),
                tokenizer.decode(corpus.get(0).completionIds()).strip()));
        SftTrainer trainer = new SftTrainer(policy, tokenizer,
                new TrainerProperties.Sft(base.steps(), base.batchSize(), base.learningRate(), null, 0, 0), properties.seed());
        trainer.train(corpus, (step, loss) -> {
            if (step % Math.max(1, base.steps() / 10) == 0 || step == base.steps()) {
                progress.line(String.format("base step %d/%d loss %.4f", step, base.steps(), loss));
            }
        });
        Checkpoints.save(output.checkpointDirectory("base"), policy);
        versions.publish(policy, 0);
        evaluate("base", BaseCorpus.EQUATION, BaseCorpus.STOP, data, output, progress);
    }

    /** GRPO from the start or from a checkpoint, then the final checkpoint, evaluation and summary. */
    private Map<String, Object> finish(PolicyModel policy, TaskData data, RunOutput output, Progress progress,
            SavedCheckpoint resumed) throws InterruptedException {
        grpoStartedNanos = System.nanoTime();
        trainGrpo(policy, data, output, progress, resumed);
        double grpoSeconds = earlierGrpoSeconds + (System.nanoTime() - grpoStartedNanos) / 1e9;
        Checkpoints.save(output.checkpointDirectory("final"), policy);
        evaluate("final", data, output, progress);

        double sftLoss = sftFinalLoss == null ? Double.NaN : sftFinalLoss;
        Map<String, Object> summary = summary(data, policy, sftLoss, grpoSeconds, startedNanos);
        output.writeSummary(summary);
        output.writeLedger(ledger.groups());
        reportLedger(progress);
        return summary;
    }

    /** Reads the checkpoint named by {@code resume-from}, rejecting one written with other settings; null for a new run. */
    private SavedCheckpoint resumePoint() {
        if (properties.resumeFrom() == null) {
            return null;
        }
        Path directory = CheckpointStore.locate(properties.resumeFrom());
        SavedCheckpoint checkpoint = CheckpointStore.read(directory);
        RunSettings.requireSameRun(checkpoint.manifest().settings(), RunSettings.of(properties), directory);
        return checkpoint;
    }

    /**
     * Continues from a checkpoint: counters, ledger, prompt numbering and seeds, evaluations so far, and the
     * policy version. Groups not yet trained at the checkpoint come back through the scored topic on the same
     * cluster; on another cluster their prompts are published again.
     */
    private void restore(SavedCheckpoint resumed, PolicyModel policy, boolean sameCluster, Progress progress) {
        TrainerState saved = resumed.state();
        attempt = saved.attempt() + 1;
        ledger = Ledger.restore(saved.ledger());
        trainCursor = saved.trainCursor();
        prompts.restore(new PromptFactory.State(saved.nextGroup(), saved.promptSeedState()), attempt);
        versionsSeenInRollouts.addAll(saved.versionsSeenInRollouts());
        evaluations.putAll(saved.evaluations());
        sftFinalLoss = saved.sftFinalLoss();
        earlierWallSeconds = saved.wallSeconds();
        earlierGrpoSeconds = saved.grpoSeconds();
        saved.unsettledPrompts().forEach(prompt -> unsettledPrompts.put(prompt.groupId(), prompt));
        dynamicSampling.restoreSkippedInARow(saved.dynamicSamplingSkips());
        if (resumed.directory().toAbsolutePath().getParent()
                .equals(properties.outputDir().resolve("checkpoints").toAbsolutePath())) {
            checkpoints.removeAfter(saved.step()).forEach(path ->
                    log.info("Removed checkpoint {}, written after {} by the interrupted attempt", path,
                            resumed.directory()));
        }
        long version = versions.resume(policy, saved.policyVersion(), saved.step());
        if (!sameCluster && !unsettledPrompts.isEmpty()) {
            io.publishPrompts(List.copyOf(unsettledPrompts.values()));
        }
        progress.line(String.format("Resumed from %s: GRPO step %d of %d, policy version %d (served as %d), "
                + "%d groups not yet trained %s", resumed.directory(), saved.step(), properties.grpo().steps(),
                saved.policyVersion(), version, unsettledPrompts.size(),
                sameCluster ? "read again from the scored topic" : "asked for again on this cluster"));
    }

    private boolean checkpointDue(int step) {
        int every = properties.checkpointEvery();
        return every > 0 && (step % every == 0 || step == properties.grpo().steps());
    }

    /**
     * Writes checkpoint {@code step-<step>}, then commits the scored topic's offsets it stores: up to the first
     * record of a group not yet trained, so that such a group is read again after a crash.
     *
     * @param optimizer GRPO's optimizer, or null at the end of SFT
     * @param buffer    groups read but not yet trained
     */
    private void writeCheckpoint(int step, PolicyModel policy, PolicyModel reference, AdamW optimizer,
            List<ScoredGroup> buffer, RunOutput output, Progress progress) {
        List<String> buffered = buffer.stream().map(ScoredGroup::groupId).toList();
        Set<String> needed = ledger.unscoredTrainIds();
        needed.addAll(buffered);
        unsettledPrompts.keySet().retainAll(needed);
        InputPosition position = io.position(needed);
        long now = System.nanoTime();
        PromptFactory.State numbering = prompts.state();
        TrainerState saved = new TrainerState(attempt, step, versions.latestVersion(), trainCursor,
                numbering.nextGroup(), numbering.seedState(), sftFinalLoss,
                earlierWallSeconds + (now - startedNanos) / 1e9,
                step == 0 ? 0 : earlierGrpoSeconds + (now - grpoStartedNanos) / 1e9,
                List.copyOf(versionsSeenInRollouts), new LinkedHashMap<>(evaluations), ledger.state(buffered),
                List.copyOf(unsettledPrompts.values()), position, dynamicSampling.skippedInARow());
        CheckpointManifest manifest = new CheckpointManifest(CheckpointManifest.FORMAT, properties.runId(), step,
                versions.latestVersion(), Instant.now().toString(), RunSettings.of(properties), Map.of());
        Path written = checkpoints.write(step, manifest, directory -> {
            Checkpoints.save(directory.resolve(CheckpointStore.MODEL_DIR), policy);
            Checkpoints.save(directory.resolve(CheckpointStore.REFERENCE_DIR), reference);
            if (optimizer != null) {
                Files.write(directory.resolve(CheckpointStore.OPTIMIZER_FILE), optimizer.saveState());
            }
            Files.write(directory.resolve(CheckpointStore.STATE_FILE),
                    Messages.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(saved));
            output.copyLogsTo(directory);
        });
        io.commit(position, written.getFileName().toString());
        progress.line(String.format("checkpoint %s (GRPO step %d, policy version %d, %d groups not yet trained)",
                written, step, versions.latestVersion(), needed.size()));
    }

    private void trainGrpo(PolicyModel policy, TaskData data, RunOutput output, Progress progress,
            SavedCheckpoint resumed) throws InterruptedException {
        TrainerProperties.Grpo grpo = properties.grpo();
        SamplingSettings sampling = new SamplingSettings(grpo.groupSize(), grpo.temperature(), 1.0, 0,
                grpo.maxNewTokens(), PromptFactory.STOP);
        int window = grpo.groupsPerStep() * (1 + grpo.stalenessBound());
        List<ScoredGroup> buffer = new ArrayList<>();
        try (PolicyModel reference = resumed == null ? policy.copy() : resumed.loadReference();
                GrpoUpdate update = new GrpoUpdate(policy, reference, tokenizer, grpo, properties.seed())) {
            int firstStep = 1;
            if (resumed != null) {
                resumed.optimizerState().ifPresent(saved -> update.optimizer().loadState(saved, policy));
                update.resumeAfter(resumed.state().step());
                firstStep = resumed.state().step() + 1;
            }
            long lastStepEnd = System.nanoTime();
            for (int step = firstStep; step <= grpo.steps(); step++) {
                int remainingNeed = (grpo.steps() - step + 1) * grpo.groupsPerStep();
                long waitStarted = System.nanoTime();
                fillBuffer(buffer, grpo.groupsPerStep(), window, remainingNeed, sampling, data);
                double idleSeconds = (System.nanoTime() - waitStarted) / 1e9;
                List<ScoredGroup> batch = new ArrayList<>(buffer.subList(0, grpo.groupsPerStep()));
                buffer.subList(0, grpo.groupsPerStep()).clear();
                // Groups arrive in an order that varies from run to run; publication order makes a step repeatable.
                batch.sort(Comparator.comparingLong(group -> PromptFactory.sequence(group.groupId())));
                long current = versions.latestVersion();
                double staleness = batch.stream()
                        .mapToLong(group -> versions.versionsBehind(group.group().policyVersion())).average().orElse(0);
                GrpoStepStats stats = update.step(batch, current);
                ledger.trained(batch.stream().map(ScoredGroup::groupId).toList());
                long version = versions.publish(policy, step);
                long now = System.nanoTime();
                Map<String, Object> metrics = StepMetrics.of(step, version, batch, stats, staleness,
                        (now - lastStepEnd) / 1e9, ledger.droppedStaleCount());
                metrics.put("idle_seconds", idleSeconds);
                lastStepEnd = now;
                output.appendMetrics(metrics);
                stepObserver.accept(metrics);
                progress.line(StepMetrics.line(step, grpo.steps(), metrics));
                int every = properties.eval().every();
                if (every > 0 && step % every == 0 && step < grpo.steps()) {
                    evaluate("step-" + step, data, output, progress);
                }
                if (checkpointDue(step)) {
                    writeCheckpoint(step, policy, reference, update.optimizer(), buffer, output, progress);
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
                throw new IllegalStateException("no scored training group arrived within "
                        + properties.groupTimeout().toSeconds() + " s; check that the rollout and reward services "
                        + "are running, and any plug-in grader the reward service waits for"
                        + lastDeadLetterHint() + ". Ledger: " + ledger);
            }
            int limit = Math.max(16, 2 * window);
            if (deadLetteredInARow >= limit) {
                throw new IllegalStateException("the last " + deadLetteredInARow + " training groups all went to "
                        + "a dead-letter topic and none was scored" + lastDeadLetterHint() + "; fix the cause and "
                        + "resume the run. Ledger: " + ledger);
            }
        }
    }

    private void accept(ScoredGroup scored, List<ScoredGroup> buffer) {
        deadLetteredInARow = 0;
        if (ledger.replayed(scored.groupId())) {
            // Accepted before the checkpoint this run resumed from, so it goes back into the buffer unchecked.
            buffer.add(scored);
            return;
        }
        if (!ledger.scoredTrain(scored.groupId())) {
            log.warn("Ignoring scored group {}: not published by this run or already received", scored.groupId());
            return;
        }
        long generatedWith = scored.group().policyVersion();
        versionsSeenInRollouts.add(generatedWith);
        long staleness = versions.versionsBehind(generatedWith);
        if (staleness > properties.grpo().stalenessBound()) {
            ledger.droppedStale(scored.groupId());
            if (staleness == Long.MAX_VALUE) {
                log.info("Dropped group {}: generated with version {}, which the interrupted attempt published "
                        + "after the checkpoint this run resumed from", scored.groupId(), generatedWith);
            } else {
                log.info("Dropped group {}: generated with version {}, {} versions behind (bound {})",
                        scored.groupId(), generatedWith, staleness, properties.grpo().stalenessBound());
            }
            return;
        }
        if (!dynamicSampling.keep(scored)) {
            ledger.filtered(scored.groupId());
            log.info("Filtered group {}: its rewards are all equal, so its advantages are 0 (dynamic sampling)",
                    scored.groupId());
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
        for (PromptMessage prompt : batch) {
            ledger.publishedTrain(prompt.groupId());
            unsettledPrompts.put(prompt.groupId(), prompt);
        }
    }

    private void applyDeadLetters() {
        for (String groupId : io.drainDeadLettered()) {
            // Records of other runs, or repeated ones, must not count towards stopping this run.
            if (ledger.deadLettered(groupId)) {
                deadLetteredInARow++;
            }
        }
    }

    private String lastDeadLetterHint() {
        String reason = io.lastDeadLetterReason();
        return reason == null ? "" : "; the newest dead letter says: " + reason;
    }

    /** Sampled completions kept per evaluated stage, for the report. */

    private void evaluate(String stage, TaskData data, RunOutput output, Progress progress) throws InterruptedException {
        evaluate(stage, prompts.template(), PromptFactory.STOP, data, output, progress);
    }

    /** Evaluates the latest policy version on the held-out examples, rendered with {@code template}. */
    private void evaluate(String stage, PromptTemplate template, List<String> stop, TaskData data, RunOutput output,
            Progress progress) throws InterruptedException {
        TrainerProperties.Eval eval = properties.eval();
        SamplingSettings sampling = new SamplingSettings(eval.samples(), eval.temperature(), eval.topP(), 0,
                eval.maxNewTokens(), stop);
        long version = versions.latestVersion();
        List<PromptMessage> batch = new ArrayList<>();
        for (TaskExample example : data.eval()) {
            batch.add(prompts.create(example, Purpose.EVAL, sampling, version, template));
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
                        + " groups after " + properties.groupTimeout().toSeconds() + " s; check the rollout and "
                        + "reward services" + lastDeadLetterHint());
            }
        }
        if (scored.isEmpty()) {
            throw new IllegalStateException("evaluation '" + stage + "': all " + batch.size() + " groups went to a "
                    + "dead-letter topic and none was scored" + lastDeadLetterHint());
        }
        EvalResult result = EvalAggregator.aggregate(properties.runId(), stage, version, data.name(), scored);
        io.publishEval(result);
        output.appendEval(result);
        output.writeEvalSamples(stage, EvalAggregator.examples(scored, EvalSamples.PER_STAGE));
        stageSeconds.put(stage, earlierWallSeconds + (System.nanoTime() - startedNanos) / 1e9);
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
        summary.put("base_steps", properties.base().steps());
        summary.put("sft_steps", properties.sft().steps());
        summary.put("sft_final_loss", sftLoss);
        summary.put("grpo_steps", properties.grpo().steps());
        summary.put("grpo_seconds", grpoSeconds);
        summary.put("ledger", ledger.toMap());
        summary.put("evaluations", evaluations);
        summary.put("resumes", attempt);
        summary.put("wall_seconds", earlierWallSeconds + (System.nanoTime() - started) / 1e9);
        summary.put("stage_seconds", new LinkedHashMap<>(stageSeconds));
        return summary;
    }

    /**
     * Returns the tokenizer of a Hugging Face checkpoint directory ({@code tokenizer.json}), or the byte-level
     * tokenizer for a model trained from scratch or a checkpoint without one.
     */
    static Tokenizer tokenizerOf(java.nio.file.Path checkpoint) {
        if (checkpoint != null && java.nio.file.Files.isRegularFile(checkpoint.resolve("tokenizer.json"))) {
            return HfTokenizer.load(checkpoint);
        }
        return new ByteTokenizer();
    }

    private ModelConfig modelConfig() {
        TrainerProperties.Model m = properties.model();
        return new ModelConfig(tokenizer.vocabSize(), m.hiddenSize(), m.layers(), m.heads(), m.kvHeads(),
                m.intermediateSize(), m.maxPositions(), 10000.0, 1e-5, true, tokenizer.bosId(), tokenizer.eosId());
    }
}
