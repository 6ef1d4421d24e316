package io.reasonflow.distill.run;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.distill.DistillProperties;
import io.reasonflow.distill.eval.SideBySideEvaluation;
import io.reasonflow.distill.io.KafkaDistillIo;
import io.reasonflow.distill.select.DropReason;
import io.reasonflow.distill.select.Trace;
import io.reasonflow.distill.select.TraceFilter;
import io.reasonflow.distill.select.TraceSelection;
import io.reasonflow.distill.select.TracesJsonl;
import io.reasonflow.distill.student.DistillExample;
import io.reasonflow.distill.student.StudentShape;
import io.reasonflow.distill.student.StudentTrainer;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.checkpoint.Checkpoints;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.prompt.PromptTemplate;
import io.reasonflow.trainer.policy.PolicyVersions;
import io.reasonflow.trainer.run.PromptFactory;
import io.reasonflow.trainer.run.TaskData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One distillation run from start to end. It loads the teacher and rejection-samples its traces, from the scored
 * topic, from requested samples or from a file. It trains a smaller student on the kept traces, saves it and
 * publishes it as a policy version of this run. Last, it evaluates teacher and student side by side.
 */
public class DistillRun {
    private static final Logger log = LoggerFactory.getLogger(DistillRun.class);
    /** Stage names of the two evaluations in {@code eval.jsonl} and on {@code reasonflow.eval}. */
    public static final String TEACHER_STAGE = "teacher";
    public static final String STUDENT_STAGE = "student-distilled";

    /** Receives one human-readable line per stage or step. */
    public interface Progress {
        void line(String text);
    }

    private final DistillProperties properties;
    private final KafkaDistillIo io;

    public DistillRun(DistillProperties properties, KafkaDistillIo io) {
        this.properties = properties;
        this.io = io;
    }

    /** Runs every stage and returns the summary that was also written to {@code summary.json}. */
    public Map<String, Object> run(Progress progress) {
        long started = System.nanoTime();
        try (Teacher teacher = Teacher.load(properties, io);
                DistillOutput output = new DistillOutput(properties.outputDir())) {
            PolicyModel teacherModel = teacher.model();
            progress.line(String.format("Teacher: %s, %,d parameters (hidden %d, layers %d)", teacher.describe(),
                    teacherModel.parameterCount(), teacherModel.config().hiddenSize(),
                    teacherModel.config().numHiddenLayers()));
            PromptFactory prompts = new PromptFactory(properties.runId(), PromptTemplate.R1_ZERO_COMPACT,
                    properties.seed());
            TaskData data = TaskData.load(properties.task(), properties.seed(), teacher.tokenizer(), prompts);

            try (PolicyModel student = createStudent(teacherModel)) {
                double ratio = (double) student.parameterCount() / teacherModel.parameterCount();
                progress.line(String.format("Student: %,d parameters (hidden %d, layers %d), %.3f of the teacher's",
                        student.parameterCount(), student.config().hiddenSize(), student.config().numHiddenLayers(),
                        ratio));
                Selected selected = select(teacher, student.config().maxPositionEmbeddings(), data, prompts, output,
                        progress);
                StudentTrainer.StepFigures last = train(student, teacher, selected.traces(), output, progress);
                Checkpoints.save(output.studentCheckpoint(), student, teacher.tokenizer());
                long studentVersion = new PolicyVersions(io, properties.runId())
                        .publishWithoutParent(student, properties.training().steps());
                progress.line(String.format("Student saved to %s and published as policy version %d of run %s",
                        output.studentCheckpoint(), studentVersion, properties.runId()));

                Map<String, Object> evaluations = evaluate(teacher, student, studentVersion, data, prompts, output,
                        progress);
                Map<String, Object> summary = summary(teacher, student, studentVersion, selected, last, evaluations,
                        started);
                output.writeSummary(summary);
                return summary;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the run output: " + e.getMessage(), e);
        }
    }

    /** The kept traces and the selection's description as written to {@code selection.json}. */
    private record Selected(List<Trace> traces, Map<String, Object> report) {
    }

    /** Rejection-samples the traces; {@code maxPositions} is the student's position limit. */
    private Selected select(Teacher teacher, int maxPositions, TaskData data, PromptFactory prompts,
            DistillOutput output, Progress progress) {
        DistillProperties.Selection settings = properties.selection();
        Set<String> heldOut = data.eval().stream().map(prompts::promptText).collect(Collectors.toSet());
        TraceFilter filter = new TraceFilter(new TraceFilter.Limits(settings.maxCompletionTokens(), maxPositions,
                settings.language(), settings.minLanguageConsistency()), teacher.tokenizer(), heldOut);
        TraceSelection selection = new TraceSelection(filter, settings.maxPerPrompt());
        Map<String, Object> report = new LinkedHashMap<>();
        if (settings.traces() != null) {
            report.put("source", settings.traces().toAbsolutePath().toString());
            TracesJsonl.read(settings.traces(), teacher.tokenizer(), selection::offer);
        } else {
            // Requested groups are matched by group id, and their prompts carry this run's id, not the teacher's.
            GroupIntake intake = new GroupIntake(properties.requestsSamples() ? null : teacher.groupRun(),
                    teacher.groupVersion(), selection);
            if (properties.requestsSamples()) {
                List<PromptMessage> batch = teacherPrompts(data, prompts, teacher.groupVersion());
                report.put("source", "requested " + batch.size() + " prompts on reasonflow.prompts (purpose distill)");
                progress.line(String.format("Requesting %d teacher groups, group size %d (purpose distill)",
                        batch.size(), properties.sampling().groupSize()));
                KafkaDistillIo.RequestOutcome outcome = io.request(batch, properties.groupTimeout(), intake::offer);
                report.put("groups_requested", outcome.published());
                report.put("groups_dead_lettered", outcome.deadLettered());
            } else {
                report.put("source", "reasonflow.scored: run " + teacher.groupRun() + " version "
                        + teacher.groupVersion() + ", purposes " + settings.purposes());
                io.readScored(properties.groupTimeout(), group -> {
                    if (settings.purposeValues().contains(group.group().prompt().purpose())) {
                        intake.offer(group);
                    }
                });
            }
            report.put("groups", intake.groups());
            report.put("groups_other_version", intake.otherVersion());
        }
        List<Trace> kept = selection.finish();
        report.putAll(selection.report().toMap());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("max_completion_tokens", settings.maxCompletionTokens());
        limits.put("max_per_prompt", settings.maxPerPrompt());
        limits.put("language", settings.language());
        limits.put("min_language_consistency", settings.minLanguageConsistency());
        report.put("settings", limits);
        output.writeSelection(report);
        TracesJsonl.write(output.tracesFile(), kept);
        progress.line("Selection: " + selection.report().line() + "; traces in " + output.tracesFile());
        if (kept.isEmpty()) {
            throw new IllegalStateException("no teacher trace passed the selection (" + selection.report().line()
                    + "); " + adviceFor(selection.report()));
        }
        return new Selected(kept, report);
    }

    /** Returns what to change when nothing was kept, from the reason that dropped the most completions. */
    static String adviceFor(TraceSelection.Report report) {
        DropReason main = report.dropped().entrySet().stream().filter(entry -> entry.getValue() > 0)
                .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
        if (main == DropReason.TRUNCATED) {
            return "most completions hit the length limit: raise sampling.max-new-tokens, or check the teacher's "
                    + "evaluation, since a teacher that never writes the answer format runs to the limit";
        }
        if (main == DropReason.INCORRECT) {
            return "most completions were wrong: request more samples (sampling.prompts, sampling.group-size), or "
                    + "check the teacher's evaluation: a teacher that is never right leaves nothing to distill";
        }
        return "request more samples (sampling.prompts, sampling.group-size), or check the teacher's evaluation "
                + "and the selection.* settings";
    }

    /** Prompts of the task's training split, cycled, for the teacher to sample with purpose {@code distill}. */
    private List<PromptMessage> teacherPrompts(TaskData data, PromptFactory prompts, long teacherVersion) {
        DistillProperties.Sampling sampling = properties.sampling();
        SamplingSettings settings = new SamplingSettings(sampling.groupSize(), sampling.temperature(), sampling.topP(),
                0, sampling.maxNewTokens(), PromptFactory.STOP);
        List<PromptMessage> batch = new ArrayList<>(sampling.prompts());
        for (int i = 0; i < sampling.prompts(); i++) {
            TaskExample example = data.train().get(i % data.train().size());
            batch.add(prompts.create(example, Purpose.DISTILL, settings, teacherVersion));
        }
        return batch;
    }

    private PolicyModel createStudent(PolicyModel teacher) {
        DistillProperties.Student settings = properties.student();
        PolicyModel student = settings.checkpoint() != null ? Checkpoints.load(settings.checkpoint())
                : PolicyModel.initialize(StudentShape.of(settings, teacher.config()), properties.seed());
        try {
            ModelConfig studentConfig = student.config();
            if (studentConfig.vocabSize() != teacher.config().vocabSize()) {
                throw new IllegalArgumentException("the student checkpoint " + settings.checkpoint() + " has a "
                        + "vocabulary of " + studentConfig.vocabSize() + " ids but the teacher "
                        + teacher.config().vocabSize() + "; teacher and student must share the tokenizer");
            }
            double ratio = (double) student.parameterCount() / teacher.parameterCount();
            if (ratio > settings.maxParameterRatio()) {
                throw new IllegalArgumentException(String.format("the student has %,d parameters, %.3f of the "
                        + "teacher's %,d, more than reasonflow.distill.student.max-parameter-ratio %s; choose a "
                        + "smaller preset or smaller dimensions", student.parameterCount(), ratio,
                        teacher.parameterCount(), settings.maxParameterRatio()));
            }
            return student;
        } catch (RuntimeException e) {
            student.close();
            throw e;
        }
    }

    private StudentTrainer.StepFigures train(PolicyModel student, Teacher teacher, List<Trace> traces,
            DistillOutput output, Progress progress) {
        List<DistillExample> examples = new ArrayList<>(traces.size());
        for (Trace trace : traces) {
            examples.add(new DistillExample(trace.id(), PromptTokens.encode(teacher.tokenizer(), trace.prompt()),
                    trace.completionIds()));
        }
        DistillProperties.Training training = properties.training();
        StudentTrainer trainer = new StudentTrainer(student, training.klWeight() > 0 ? teacher.model() : null,
                teacher.tokenizer().padId(), training, properties.seed());
        int every = Math.max(1, training.steps() / 10);
        return trainer.train(examples, figures -> {
            output.appendMetrics(stepMetrics(figures));
            if (figures.step() % every == 0 || figures.step() == training.steps()) {
                progress.line(String.format("student step %d/%d loss %.4f ce %.4f kl %.4f tokens %d",
                        figures.step(), training.steps(), figures.loss(), figures.crossEntropy(), figures.kl(),
                        figures.tokens()));
            }
        });
    }

    private static Map<String, Object> stepMetrics(StudentTrainer.StepFigures figures) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", figures.step());
        line.put("loss", figures.loss());
        line.put("cross_entropy", figures.crossEntropy());
        line.put("kl", figures.kl());
        line.put("tokens", figures.tokens());
        line.put("learning_rate", figures.learningRate());
        line.put("gradient_norm", figures.gradientNorm());
        return line;
    }

    private Map<String, Object> evaluate(Teacher teacher, PolicyModel student, long studentVersion, TaskData data,
            PromptFactory prompts, DistillOutput output, Progress progress) {
        DistillProperties.Eval eval = properties.eval();
        SamplingSettings sampling = new SamplingSettings(eval.samples(), eval.temperature(), eval.topP(), 0,
                eval.maxNewTokens(), PromptFactory.STOP);
        List<PromptMessage> heldOut = new ArrayList<>();
        for (TaskExample example : data.eval()) {
            heldOut.add(prompts.create(example, Purpose.EVAL, sampling, 0));
        }
        SideBySideEvaluation evaluation = new SideBySideEvaluation(teacher.tokenizer(), heldOut, properties.runId(),
                data.name());
        Map<String, Object> results = new LinkedHashMap<>();
        for (SideBySideEvaluation.Evaluation evaluated : List.of(
                evaluation.evaluate(TEACHER_STAGE, teacher.model(), teacher.groupVersion(), properties.seed()),
                evaluation.evaluate(STUDENT_STAGE, student, studentVersion, properties.seed()))) {
            EvalResult result = evaluated.result();
            io.publishEval(result);
            output.appendEval(result);
            output.writeEvalSamples(result.stage(), evaluated.examples());
            results.put(result.stage(), result);
            progress.line(String.format("eval %s version %d: pass@1 %.3f maj@%d %.3f format %.3f length %.1f "
                    + "(%d prompts)", result.stage(), result.policyVersion(), result.passAt1(),
                    result.samplesPerPrompt(), result.majAtK(), result.formatRate(), result.meanLength(),
                    result.prompts()));
        }
        return results;
    }

    private Map<String, Object> summary(Teacher teacher, PolicyModel student, long studentVersion, Selected selected,
            StudentTrainer.StepFigures last, Map<String, Object> evaluations, long started) {
        ModelConfig config = student.config();
        Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("hidden_size", config.hiddenSize());
        shape.put("layers", config.numHiddenLayers());
        shape.put("heads", config.numAttentionHeads());
        shape.put("kv_heads", config.numKeyValueHeads());
        shape.put("intermediate_size", config.intermediateSize());
        DistillProperties.Training settings = properties.training();
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("steps", settings.steps());
        training.put("batch_size", settings.batchSize());
        training.put("learning_rate", settings.learningRate());
        training.put("kl_weight", settings.klWeight());
        training.put("kl_temperature", settings.klTemperature());
        training.put("final_loss", last.loss());
        training.put("final_cross_entropy", last.crossEntropy());
        training.put("final_kl", last.kl());

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run_id", properties.runId());
        summary.put("teacher_run", teacher.groupRun());
        summary.put("teacher_version", teacher.groupVersion());
        summary.put("teacher_source", teacher.describe());
        summary.put("teacher_parameters", teacher.model().parameterCount());
        summary.put("student_parameters", student.parameterCount());
        summary.put("parameter_ratio", (double) student.parameterCount() / teacher.model().parameterCount());
        summary.put("student_version", studentVersion);
        summary.put("student_config", shape);
        summary.put("selection", selected.report());
        summary.put("training", training);
        summary.put("evaluations", evaluations);
        summary.put("wall_seconds", (System.nanoTime() - started) / 1e9);
        log.info("Distillation run {} done: {}", properties.runId(), summary);
        return summary;
    }

    /**
     * Passes the completions of the teacher's groups to the selection: groups of the teacher's run (any run when
     * it is null) and version. A group of another version is counted and skipped, and one of another run is
     * skipped silently.
     */
    private static final class GroupIntake {
        private final String run;
        private final long version;
        private final TraceSelection selection;
        private long groups;
        private long otherVersion;

        GroupIntake(String run, long version, TraceSelection selection) {
            this.run = run;
            this.version = version;
            this.selection = selection;
        }

        void offer(ScoredGroup group) {
            if (run != null && !run.equals(group.group().prompt().runId())) {
                return;
            }
            if (group.group().policyVersion() != version) {
                otherVersion++;
                return;
            }
            groups++;
            Trace.of(group).forEach(selection::offer);
        }

        long groups() {
            return groups;
        }

        long otherVersion() {
            return otherVersion;
        }
    }
}
