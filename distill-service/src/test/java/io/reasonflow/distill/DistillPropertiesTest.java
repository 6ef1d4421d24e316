package io.reasonflow.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.trainer.TrainerProperties;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DistillPropertiesTest {
    private static final TrainerProperties.Task TASK = new TrainerProperties.Task("arithmetic", null, null, 2, 40, 4,
            384);

    private static DistillProperties properties(DistillProperties.Teacher teacher, DistillProperties.Selection selection,
            DistillProperties.Sampling sampling, DistillProperties.Training training) {
        return new DistillProperties("student", Path.of("out"), 7, false, Duration.ofMinutes(1), teacher, selection,
                sampling, new DistillProperties.Student("half", null, null, null, null, null, null, 1.0), training,
                new DistillProperties.Eval(2, 0.6, 0.95, 64), TASK);
    }

    private static DistillProperties.Teacher teacher(String run) {
        return new DistillProperties.Teacher(run, -1, null, null);
    }

    private static DistillProperties.Selection selection(List<String> purposes) {
        return new DistillProperties.Selection(null, purposes, 384, 4, "en", 1.0);
    }

    private static final DistillProperties.Sampling NO_REQUEST = new DistillProperties.Sampling(0, 4, 0.6, 0.95, 128);
    private static final DistillProperties.Training TRAINING = new DistillProperties.Training(10, 4, 0.003, 0.5, 2.0);

    @Test
    void validSettingsAccepted() {
        DistillProperties properties = properties(teacher("demo-1"), selection(List.of("train", "Distill")),
                NO_REQUEST, TRAINING);
        assertThat(properties.requestsSamples()).isFalse();
        assertThat(properties.selection().purposeValues()).hasSize(2);
    }

    @Test
    void evalPurposeRejected() {
        assertThatThrownBy(() -> properties(teacher("demo-1"), selection(List.of("train", "eval")), NO_REQUEST,
                TRAINING))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reasonflow.distill.selection.purposes")
                .hasMessageContaining("held-out");
    }

    @Test
    void missingTeacherRunNamed() {
        assertThatThrownBy(() -> properties(teacher(""), selection(List.of("train")), NO_REQUEST, TRAINING))
                .hasMessageContaining("reasonflow.distill.teacher.run");
    }

    @Test
    void klWeightOutOfRangeNamed() {
        DistillProperties.Training training = new DistillProperties.Training(10, 4, 0.003, 1.5, 2.0);
        assertThatThrownBy(() -> properties(teacher("demo-1"), selection(List.of("train")), NO_REQUEST, training))
                .hasMessageContaining("reasonflow.distill.training.kl-weight is 1.5");
    }

    @Test
    void unknownLanguageNamed() {
        DistillProperties.Selection selection = new DistillProperties.Selection(null, List.of("train"), 384, 4, "fr",
                1.0);
        assertThatThrownBy(() -> properties(teacher("demo-1"), selection, NO_REQUEST, TRAINING))
                .hasMessageContaining("reasonflow.distill.selection.language is fr");
    }

    @Test
    void requestedSamplesNeedNoTracesFile() {
        DistillProperties properties = properties(teacher("demo-1"), selection(List.of("distill")),
                new DistillProperties.Sampling(16, 2, 0.6, 0.95, 128), TRAINING);
        assertThat(properties.requestsSamples()).isTrue();
    }
}
