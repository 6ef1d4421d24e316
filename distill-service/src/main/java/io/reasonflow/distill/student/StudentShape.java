package io.reasonflow.distill.student;

import io.reasonflow.distill.DistillProperties;
import io.reasonflow.model.ModelConfig;
import java.util.List;

/**
 * The student's config, derived from the teacher's. A preset scales the teacher's width, depth and MLP width
 * down; explicit dimensions replace the preset's one by one. Everything the two must share to use one tokenizer
 * and to compare token distributions is copied: vocabulary, special tokens, position limit, RoPE base, norm
 * epsilon, tied head, family and attention biases.
 */
public final class StudentShape {
    /** Preset names: {@code half} divides width, depth and MLP width by 2, {@code quarter} by 4. */
    public static final List<String> PRESETS = List.of("half", "quarter");

    private StudentShape() {
    }

    public static boolean isPreset(String name) {
        return PRESETS.contains(name);
    }

    /**
     * Returns the student config for {@code settings} and {@code teacher}.
     *
     * @throws IllegalArgumentException when the dimensions do not form a valid config; the message names the
     *                                  setting to change
     */
    public static ModelConfig of(DistillProperties.Student settings, ModelConfig teacher) {
        int divisor = "quarter".equals(settings.preset()) ? 4 : 2;
        int hidden = orElse(settings.hiddenSize(), Math.max(2, teacher.hiddenSize() / divisor));
        int layers = orElse(settings.layers(), Math.max(1, teacher.numHiddenLayers() / divisor));
        int heads = orElse(settings.heads(), fittingHeads(hidden, teacher.numAttentionHeads()));
        int kvHeads = orElse(settings.kvHeads(), fittingKeyValueHeads(heads, teacher.numKeyValueHeads()));
        int intermediate = orElse(settings.intermediateSize(), Math.max(1, teacher.intermediateSize() / divisor));
        try {
            return new ModelConfig(teacher.vocabSize(), hidden, layers, heads, kvHeads, intermediate,
                    teacher.maxPositionEmbeddings(), teacher.ropeTheta(), teacher.rmsNormEps(),
                    teacher.tieWordEmbeddings(), teacher.bosTokenId(), teacher.eosTokenIds(), teacher.padTokenId(),
                    teacher.attentionBias(), teacher.modelType(), null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the student's shape (hidden-size " + hidden + ", layers " + layers
                    + ", heads " + heads + ", kv-heads " + kvHeads + ", intermediate-size " + intermediate
                    + ") is invalid: " + e.getMessage() + "; set reasonflow.distill.student.* dimensions that fit",
                    e);
        }
    }

    /**
     * Returns the teacher's head count, halved until it divides {@code hidden} into heads of an even width,
     * because RoPE rotates pairs of dimensions.
     */
    private static int fittingHeads(int hidden, int teacherHeads) {
        int heads = teacherHeads;
        while (heads > 1 && (hidden % heads != 0 || (hidden / heads) % 2 != 0)) {
            heads /= 2;
        }
        return heads;
    }

    /** Returns the teacher's key/value head count, halved until it divides {@code heads}. */
    private static int fittingKeyValueHeads(int heads, int teacherKeyValueHeads) {
        int kvHeads = Math.min(teacherKeyValueHeads, heads);
        while (kvHeads > 1 && heads % kvHeads != 0) {
            kvHeads--;
        }
        return kvHeads;
    }

    private static int orElse(Integer given, int derived) {
        return given != null ? given : derived;
    }
}
