package io.reasonflow.distill;

import io.reasonflow.trainer.TrainerProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of a distillation run ({@code reasonflow.distill.*}). Invalid values are rejected at start-up with the
 * property name, the value and what is allowed.
 *
 * @param runId        id of the run: names the student's policy versions, its evaluations and its prompt groups
 * @param outputDir    directory that receives the selection report, the kept traces, the student's step figures,
 *                     its evaluations, the summary and the student checkpoint
 * @param seed         seed of the student's initial weights, its batch order and the sampling seeds of prompts
 * @param autoStart    start the run when the application starts (a standalone service); the command line starts
 *                     it itself
 * @param groupTimeout how long the service waits for the next record (a requested group, the rest of a topic)
 *                     before it gives up
 * @param teacher      where the teacher's weights come from
 * @param selection    where the traces come from and which of them are kept
 * @param sampling     prompts to request from the rollout and reward services, sampled by the teacher
 * @param student      the student's shape
 * @param training     supervised training of the student, with optional logit distillation
 * @param eval         held-out evaluation of teacher and student
 * @param task         the task whose held-out prompts evaluate both models and whose training prompts are sent
 *                     for teacher samples. The same settings as the teacher's trainer give the same prompts.
 */
@ConfigurationProperties(prefix = "reasonflow.distill", ignoreUnknownFields = false)
public record DistillProperties(String runId, Path outputDir, long seed, boolean autoStart, Duration groupTimeout,
        Teacher teacher, Selection selection, Sampling sampling, Student student, Training training, Eval eval,
        TrainerProperties.Task task) {

    /**
     * @param run        run id of the teacher on {@code reasonflow.policy}, whose scored groups are the traces
     *                   unless {@code selection.traces} is set; may be empty when {@code checkpoint} and
     *                   {@code selection.traces} are both set
     * @param version    policy version of the teacher; -1 takes the newest version of {@code run}
     * @param checkpoint Hugging Face checkpoint directory to load the teacher from instead of the policy topic
     * @param tokenizer  directory with the {@code tokenizer.json} of a teacher started from a Hugging Face model;
     *                   null uses the checkpoint's own {@code tokenizer.json} when it has one, else the byte-level
     *                   tokenizer of models trained from scratch
     */
    public record Teacher(String run, long version, Path checkpoint, Path tokenizer) {
    }

    /**
     * Rejection sampling. A completion is kept when it stopped by itself, fits the length limit and is not of a
     * held-out prompt. It must also be correct, well formatted and in the target language, and neither a
     * duplicate nor beyond the cap of its prompt.
     *
     * @param traces                 JSONL file of traces to select from instead of the scored topic: one object
     *                               per line with {@code prompt}, {@code completion} and {@code answer}
     * @param purposes               purposes of the teacher's scored groups to read: {@code train} and
     *                               {@code distill}; {@code eval} groups are held-out prompts
     * @param maxCompletionTokens    longest completion kept, in tokens
     * @param maxPerPrompt           most traces kept per prompt
     * @param language               target language of the reasoning: en, zh, ja, ko or ru
     * @param minLanguageConsistency lowest share of reasoning words in the target language that is kept
     */
    public record Selection(Path traces, List<String> purposes, int maxCompletionTokens, int maxPerPrompt,
            String language, double minLanguageConsistency) {

        /** Returns the purposes as contract values. */
        public List<io.reasonflow.contracts.Purpose> purposeValues() {
            return purposes.stream()
                    .map(name -> io.reasonflow.contracts.Purpose.valueOf(name.trim().toUpperCase(Locale.ROOT)))
                    .toList();
        }
    }

    /**
     * Teacher samples requested over the pipeline: prompts of the task's training split, published on
     * {@code reasonflow.prompts} with purpose {@code distill}, sampled by a rollout service that follows the
     * teacher's run and scored by the reward service.
     *
     * @param prompts      prompts to request; 0 reads the teacher's scored groups already on the topic instead
     * @param groupSize    completions per prompt
     * @param temperature  sampling temperature
     * @param topP         nucleus mass kept
     * @param maxNewTokens completion length limit in tokens
     */
    public record Sampling(int prompts, int groupSize, double temperature, double topP, int maxNewTokens) {
    }

    /**
     * The student: a preset shape derived from the teacher's, with any of the explicit dimensions overriding it,
     * or a Hugging Face checkpoint to start from. Vocabulary, special tokens, position limit, RoPE base, norm
     * epsilon, tied head and family are always the teacher's, because both share the tokenizer.
     *
     * @param preset            {@code half} (half the teacher's width, depth and MLP width) or {@code quarter}
     * @param hiddenSize        model width, overriding the preset's
     * @param layers            decoder layers, overriding the preset's
     * @param heads             query heads, overriding the preset's
     * @param kvHeads           key/value heads, overriding the preset's
     * @param intermediateSize  SwiGLU inner width, overriding the preset's
     * @param checkpoint        Hugging Face checkpoint directory to start the student from instead of random weights
     * @param maxParameterRatio largest allowed student parameters over teacher parameters
     */
    public record Student(String preset, Integer hiddenSize, Integer layers, Integer heads, Integer kvHeads,
            Integer intermediateSize, Path checkpoint, double maxParameterRatio) {
    }

    /**
     * Training of the student on the kept traces. The loss is
     * {@code (1 - kl-weight) * CE + kl-weight * T^2 * KL(teacher_T || student_T)} over completion tokens.
     *
     * @param steps         optimizer steps
     * @param batchSize     traces per step
     * @param learningRate  AdamW peak learning rate; linear warm-up over 5% of the steps, then a cosine decay to
     *                      10% of the peak
     * @param klWeight      weight of the logit distillation term, in [0, 1]; 0 trains on the traces alone and never
     *                      runs the teacher during training
     * @param klTemperature temperature T of both token distributions in the distillation term
     */
    public record Training(int steps, int batchSize, double learningRate, double klWeight, double klTemperature) {
    }

    /**
     * The trainer's evaluation protocol: k samples per held-out prompt, pass@1, maj@k, format rate, mean length.
     *
     * @param samples      k, samples per held-out prompt
     * @param temperature  sampling temperature
     * @param topP         nucleus mass kept
     * @param maxNewTokens completion length limit in tokens
     */
    public record Eval(int samples, double temperature, double topP, int maxNewTokens) {
    }

    public DistillProperties {
        String p = "reasonflow.distill.";
        require(runId != null && !runId.isBlank(), p + "run-id", runId, "a non-empty id");
        require(outputDir != null, p + "output-dir", outputDir, "a directory path");
        require(groupTimeout != null && groupTimeout.toMillis() > 0, p + "group-timeout", groupTimeout,
                "a positive duration such as 5m");
        require(teacher != null, p + "teacher", null, "teacher settings");
        require(selection != null, p + "selection", null, "selection settings");
        require(sampling != null, p + "sampling", null, "sampling settings");
        require(student != null, p + "student", null, "student settings");
        require(training != null, p + "training", null, "training settings");
        require(eval != null, p + "eval", null, "evaluation settings");
        require(task != null, p + "task", null, "task settings");
        checkTeacher(teacher, selection, sampling);
        checkSelection(selection);
        checkSampling(sampling);
        checkStudent(student);
        checkTraining(training);
        require(eval.samples() >= 1, p + "eval.samples", eval.samples(), ">= 1");
        require(eval.temperature() >= 0, p + "eval.temperature", eval.temperature(), ">= 0");
        require(eval.topP() > 0 && eval.topP() <= 1, p + "eval.top-p", eval.topP(), "a value in (0, 1]");
        require(eval.maxNewTokens() >= 1, p + "eval.max-new-tokens", eval.maxNewTokens(), ">= 1");
        require(List.of("arithmetic", "gsm8k", "jsonl").contains(task.name()), p + "task.name", task.name(),
                "arithmetic, gsm8k or jsonl, as the teacher's trainer had it");
        boolean fromFile = !"arithmetic".equals(task.name());
        require(!fromFile || task.dataset() != null && Files.isRegularFile(task.dataset()), p + "task.dataset",
                task.dataset(), "an existing JSONL file when the task is gsm8k or jsonl");
        require(task.evalDataset() == null || fromFile && Files.isRegularFile(task.evalDataset()),
                p + "task.eval-dataset", task.evalDataset(), "an existing JSONL file, only with task gsm8k or jsonl");
        require(task.evalExamples() >= 1, p + "task.eval-examples", task.evalExamples(), ">= 1");
    }

    /** Returns whether the traces are requested from the pipeline rather than read from the topic or a file. */
    public boolean requestsSamples() {
        return selection.traces() == null && sampling.prompts() > 0;
    }

    private static void checkTeacher(Teacher teacher, Selection selection, Sampling sampling) {
        String p = "reasonflow.distill.teacher.";
        boolean hasRun = teacher.run() != null && !teacher.run().isBlank();
        require(teacher.checkpoint() != null || hasRun, p + "run", teacher.run(),
                "the teacher's run id, unless teacher.checkpoint names a checkpoint directory");
        require(selection.traces() != null || hasRun, p + "run", teacher.run(),
                "the teacher's run id, whose scored groups are the traces, unless selection.traces names a file");
        require(teacher.version() >= -1, p + "version", teacher.version(), "a version >= 0, or -1 for the newest");
        require(teacher.checkpoint() == null || Files.isDirectory(teacher.checkpoint()), p + "checkpoint",
                teacher.checkpoint(), "an existing Hugging Face checkpoint directory");
        require(teacher.tokenizer() == null || Files.isRegularFile(teacher.tokenizer().resolve("tokenizer.json")),
                p + "tokenizer", teacher.tokenizer(), "a directory that contains tokenizer.json");
        require(selection.traces() == null || sampling.prompts() == 0, "reasonflow.distill.sampling.prompts",
                sampling.prompts(), "0 when selection.traces names a file, because the traces then come from it");
    }

    private static void checkSelection(Selection selection) {
        String p = "reasonflow.distill.selection.";
        require(selection.traces() == null || Files.isRegularFile(selection.traces()), p + "traces",
                selection.traces(), "a readable JSONL file of traces");
        require(selection.purposes() != null && !selection.purposes().isEmpty(), p + "purposes",
                selection.purposes(), "one or more of train, distill");
        for (String purpose : selection.purposes()) {
            String name = purpose.trim().toLowerCase(Locale.ROOT);
            require(name.equals("train") || name.equals("distill"), p + "purposes", selection.purposes(),
                    "train and/or distill; eval groups are held-out prompts and never trained on");
        }
        require(selection.maxCompletionTokens() >= 1, p + "max-completion-tokens", selection.maxCompletionTokens(),
                ">= 1");
        require(selection.maxPerPrompt() >= 1, p + "max-per-prompt", selection.maxPerPrompt(), ">= 1");
        require(selection.language() != null && isLanguage(selection.language()), p + "language",
                selection.language(), "one of en, zh, ja, ko, ru");
        require(selection.minLanguageConsistency() >= 0 && selection.minLanguageConsistency() <= 1,
                p + "min-language-consistency", selection.minLanguageConsistency(), "a value in [0, 1]");
    }

    private static boolean isLanguage(String name) {
        try {
            io.reasonflow.tasks.grading.LanguageConsistencyGrader.language(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void checkSampling(Sampling sampling) {
        String p = "reasonflow.distill.sampling.";
        require(sampling.prompts() >= 0, p + "prompts", sampling.prompts(),
                ">= 0 (0 reads the teacher's scored groups already on the topic)");
        require(sampling.groupSize() >= 1, p + "group-size", sampling.groupSize(), ">= 1");
        require(sampling.temperature() >= 0, p + "temperature", sampling.temperature(), ">= 0");
        require(sampling.topP() > 0 && sampling.topP() <= 1, p + "top-p", sampling.topP(), "a value in (0, 1]");
        require(sampling.maxNewTokens() >= 1, p + "max-new-tokens", sampling.maxNewTokens(), ">= 1");
    }

    private static void checkStudent(Student student) {
        String p = "reasonflow.distill.student.";
        require(student.preset() != null && io.reasonflow.distill.student.StudentShape.isPreset(student.preset()),
                p + "preset", student.preset(), "one of " + io.reasonflow.distill.student.StudentShape.PRESETS);
        for (Integer dimension : new Integer[] {student.hiddenSize(), student.layers(), student.heads(),
                student.kvHeads(), student.intermediateSize()}) {
            require(dimension == null || dimension >= 1, p + "hidden-size, layers, heads, kv-heads and "
                    + "intermediate-size", dimension, ">= 1 when given");
        }
        boolean dimensions = student.hiddenSize() != null || student.layers() != null || student.heads() != null
                || student.kvHeads() != null || student.intermediateSize() != null;
        require(student.checkpoint() == null || !dimensions, p + "checkpoint", student.checkpoint(),
                "unset when the student's dimensions are given, because a checkpoint fixes them");
        require(student.checkpoint() == null || Files.isDirectory(student.checkpoint()), p + "checkpoint",
                student.checkpoint(), "an existing Hugging Face checkpoint directory");
        require(student.maxParameterRatio() > 0 && Double.isFinite(student.maxParameterRatio()),
                p + "max-parameter-ratio", student.maxParameterRatio(), "a finite value > 0");
    }

    private static void checkTraining(Training training) {
        String p = "reasonflow.distill.training.";
        require(training.steps() >= 1, p + "steps", training.steps(), ">= 1");
        require(training.batchSize() >= 1, p + "batch-size", training.batchSize(), ">= 1");
        require(training.learningRate() > 0 && Double.isFinite(training.learningRate()), p + "learning-rate",
                training.learningRate(), "a finite value > 0");
        require(training.klWeight() >= 0 && training.klWeight() <= 1, p + "kl-weight", training.klWeight(),
                "a value in [0, 1] (0 turns logit distillation off)");
        require(training.klTemperature() > 0 && Double.isFinite(training.klTemperature()), p + "kl-temperature",
                training.klTemperature(), "a finite value > 0");
    }

    private static void require(boolean valid, String property, Object value, String allowed) {
        if (!valid) {
            throw new IllegalArgumentException(property + " is " + value + ", expected " + allowed);
        }
    }
}
