package io.reasonflow.distill.run;

import io.reasonflow.distill.DistillProperties;
import io.reasonflow.distill.io.KafkaDistillIo;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.checkpoint.Checkpoints;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.tokenizer.HfTokenizer;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.transformer.PolicyModel;

/**
 * The teacher: its model and tokenizer, and the run and policy version whose scored groups are its traces.
 *
 * @param model        the teacher's weights
 * @param tokenizer    the tokenizer of teacher and student: the checkpoint's {@code tokenizer.json} when it has one,
 *                     else the pipeline's byte tokenizer
 * @param groupRun     the teacher's run id, or null when neither the model nor the traces come from the pipeline
 * @param groupVersion the teacher's policy version; a checkpoint counts as version 0 unless teacher.version names
 *                     one or its run's scored groups are the traces
 * @param source       where the weights came from, for the console and the summary
 */
record Teacher(PolicyModel model, Tokenizer tokenizer, String groupRun, long groupVersion, String source)
        implements AutoCloseable {

    /**
     * Loads the teacher named by the settings.
     *
     * @throws IllegalStateException    when the policy topic has no such version or its weights fail verification
     * @throws IllegalArgumentException when the checkpoint is invalid or its vocabulary does not match the tokenizer
     */
    static Teacher load(DistillProperties properties, KafkaDistillIo io) {
        DistillProperties.Teacher settings = properties.teacher();
        String run = settings.run() == null || settings.run().isBlank() ? null : settings.run();
        if (settings.checkpoint() != null) {
            PolicyModel model = Checkpoints.load(settings.checkpoint());
            Tokenizer tokenizer = settings.tokenizer() != null ? HfTokenizer.load(settings.tokenizer())
                    : HfTokenizer.isPresent(settings.checkpoint()) ? HfTokenizer.load(settings.checkpoint())
                    : new ByteTokenizer();
            long version = settings.version();
            if (version < 0 && run != null && properties.selection().traces() == null) {
                // The traces are the run's scored groups, of its newest version unless one is named.
                version = io.highestPublishedVersion(run);
                if (version < 0) {
                    model.close();
                    throw new IllegalStateException("run " + run + " has no policy version on reasonflow.policy, so "
                            + "its scored groups cannot be matched to a version; set reasonflow.distill.teacher."
                            + "version, or give a traces file");
                }
            }
            return checked(new Teacher(model, tokenizer, run, Math.max(0, version),
                    "checkpoint " + settings.checkpoint()));
        }
        KafkaDistillIo.PolicyVersion policy = io.readPolicy(run, settings.version(), properties.groupTimeout());
        PolicyModel model = PolicyModel.fromSafetensors(ModelConfig.fromJson(policy.manifest().modelConfig()),
                policy.weights());
        Tokenizer tokenizer = settings.tokenizer() != null ? HfTokenizer.load(settings.tokenizer()) : new ByteTokenizer();
        return checked(new Teacher(model, tokenizer, run, policy.manifest().version(),
                "run " + run + " version " + policy.manifest().version() + " from reasonflow.policy"));
    }

    /**
     * Rejects a tokenizer that does not fit the model: the byte tokenizer needs exactly its vocabulary, a Hugging
     * Face tokenizer no more ids than the model has (such models often pad their embedding). Closes the teacher.
     */
    private static Teacher checked(Teacher teacher) {
        int modelVocabulary = teacher.model.config().vocabSize();
        int tokenizerVocabulary = teacher.tokenizer.vocabSize();
        boolean bytes = teacher.tokenizer instanceof ByteTokenizer;
        if (bytes ? tokenizerVocabulary != modelVocabulary : tokenizerVocabulary > modelVocabulary) {
            teacher.close();
            throw new IllegalArgumentException("the teacher's vocabulary has " + modelVocabulary + " ids but its "
                    + (bytes ? "byte" : "Hugging Face") + " tokenizer " + tokenizerVocabulary + "; a teacher started "
                    + "from a Hugging Face model needs reasonflow.distill.teacher.tokenizer set to the directory with "
                    + "its tokenizer.json");
        }
        return teacher;
    }

    /** Returns where the weights came from. */
    String describe() {
        return source;
    }

    @Override
    public void close() {
        model.close();
        if (tokenizer instanceof HfTokenizer huggingFace) {
            huggingFace.close();
        }
    }
}
