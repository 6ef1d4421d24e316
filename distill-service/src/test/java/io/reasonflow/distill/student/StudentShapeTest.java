package io.reasonflow.distill.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.distill.DistillProperties;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.ModelFamily;
import java.util.List;
import org.junit.jupiter.api.Test;

class StudentShapeTest {
    /** The full demo's teacher: hidden 128, 4 layers, 4 heads, 2 key/value heads, MLP 344. */
    private static final ModelConfig TEACHER = new ModelConfig(259, 128, 4, 4, 2, 344, 512, 10_000.0, 1e-5, true,
            256, 257);

    private static DistillProperties.Student preset(String name) {
        return new DistillProperties.Student(name, null, null, null, null, null, null, 1.0);
    }

    @Test
    void halfPresetHalvesWidthDepthAndMlp() {
        ModelConfig student = StudentShape.of(preset("half"), TEACHER);
        assertThat(student.hiddenSize()).isEqualTo(64);
        assertThat(student.numHiddenLayers()).isEqualTo(2);
        assertThat(student.numAttentionHeads()).isEqualTo(4);
        assertThat(student.numKeyValueHeads()).isEqualTo(2);
        assertThat(student.intermediateSize()).isEqualTo(172);
        assertThat((double) student.parameterCount() / TEACHER.parameterCount()).isLessThan(0.25);
    }

    @Test
    void studentSharesTokenizerSettings() {
        ModelConfig teacher = TEACHER.withFamily(ModelFamily.QWEN2).withSpecialTokens(List.of(257, 255), 258);
        ModelConfig student = StudentShape.of(preset("quarter"), teacher);
        assertThat(student.vocabSize()).isEqualTo(teacher.vocabSize());
        assertThat(student.eosTokenIds()).isEqualTo(teacher.eosTokenIds());
        assertThat(student.padTokenId()).isEqualTo(258);
        assertThat(student.bosTokenId()).isEqualTo(teacher.bosTokenId());
        assertThat(student.maxPositionEmbeddings()).isEqualTo(teacher.maxPositionEmbeddings());
        assertThat(student.modelType()).isEqualTo("qwen2");
        assertThat(student.tieWordEmbeddings()).isTrue();
    }

    @Test
    void quarterPresetReducesHeadsToEvenWidth() {
        ModelConfig smokeTeacher = new ModelConfig(259, 64, 2, 4, 2, 172, 512, 10_000.0, 1e-5, true, 256, 257);
        ModelConfig student = StudentShape.of(preset("quarter"), smokeTeacher);
        assertThat(student.hiddenSize()).isEqualTo(16);
        assertThat(student.numHiddenLayers()).isEqualTo(1);
        assertThat(student.headDim() % 2).isZero();
        assertThat(student.numAttentionHeads() % student.numKeyValueHeads()).isZero();
    }

    @Test
    void explicitDimensionsOverridePreset() {
        DistillProperties.Student settings = new DistillProperties.Student("half", 48, 3, 6, 3, 100, null, 1.0);
        ModelConfig student = StudentShape.of(settings, TEACHER);
        assertThat(student.hiddenSize()).isEqualTo(48);
        assertThat(student.numHiddenLayers()).isEqualTo(3);
        assertThat(student.numAttentionHeads()).isEqualTo(6);
        assertThat(student.numKeyValueHeads()).isEqualTo(3);
        assertThat(student.intermediateSize()).isEqualTo(100);
    }

    @Test
    void invalidDimensionsNamed() {
        DistillProperties.Student settings = new DistillProperties.Student("half", 30, null, 4, null, null, null, 1.0);
        assertThatThrownBy(() -> StudentShape.of(settings, TEACHER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hidden-size 30")
                .hasMessageContaining("reasonflow.distill.student");
    }
}
