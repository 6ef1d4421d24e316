package io.reasonflow.distill.student;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.distill.DistillProperties;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.tokenizer.PromptTokens;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudentTrainerTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final ModelConfig TEACHER = ModelConfig.tiny(TOKENIZER.vocabSize());

    private static DistillExample example(String id, String prompt, String completion) {
        return new DistillExample(id, PromptTokens.encode(TOKENIZER, prompt), TOKENIZER.encode(completion));
    }

    private static DistillProperties.Training training(int steps, double klWeight) {
        return new DistillProperties.Training(steps, 2, 0.01, klWeight, 2.0);
    }

    @Test
    void emptyCompletionNamesExample() {
        List<DistillExample> examples = List.of(example("prompt arith-1 (group g-1, completion 0)", "User: 1+1\n", "2"),
                new DistillExample("prompt arith-7 (group g-3, completion 2)", PromptTokens.encode(TOKENIZER, "x"),
                        new int[0]));
        try (PolicyModel student = PolicyModel.initialize(TEACHER, 1)) {
            StudentTrainer trainer = new StudentTrainer(student, null, TOKENIZER.padId(), training(1, 0), 1);
            assertThatThrownBy(() -> trainer.train(examples, figures -> { }))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("prompt arith-7 (group g-3, completion 2)")
                    .hasMessageContaining("loss mask is empty");
        }
    }

    @Test
    void exampleOverPositionLimitNamed() {
        ModelConfig shortConfig = new ModelConfig(TOKENIZER.vocabSize(), 32, 1, 4, 2, 64, 16, 10_000.0, 1e-5, true,
                TOKENIZER.bosId(), TOKENIZER.eosId());
        try (PolicyModel student = PolicyModel.initialize(shortConfig, 1)) {
            StudentTrainer trainer = new StudentTrainer(student, null, TOKENIZER.padId(), training(1, 0), 1);
            assertThatThrownBy(() -> trainer.train(List.of(example("traces.jsonl:4", "User: 1+1\nA: ",
                    "a completion that is too long")), figures -> { }))
                    .hasMessageContaining("traces.jsonl:4").hasMessageContaining("max_position_embeddings 16");
        }
    }

    @Test
    void klWeightWithoutTeacherRejected() {
        try (PolicyModel student = PolicyModel.initialize(TEACHER, 1)) {
            assertThatThrownBy(() -> new StudentTrainer(student, null, TOKENIZER.padId(), training(1, 0.5), 1))
                    .hasMessageContaining("needs the teacher's logits");
        }
    }

    @Test
    void trainingLowersLossAndChangesEveryParameter() {
        List<DistillExample> examples = List.of(
                example("a", "User: 12+5\nAssistant: ", "<think>\n2+5=7 write 7\n=17\n</think>\n<answer>17</answer>"),
                example("b", "User: 30+4\nAssistant: ", "<think>\n0+4=4 write 4\n=34\n</think>\n<answer>34</answer>"));
        ModelConfig studentConfig = new ModelConfig(TOKENIZER.vocabSize(), 32, 1, 4, 2, 64, 512, 10_000.0, 1e-5, true,
                TOKENIZER.bosId(), TOKENIZER.eosId());
        try (PolicyModel teacher = PolicyModel.initialize(TEACHER, 2);
                PolicyModel student = PolicyModel.initialize(studentConfig, 3)) {
            Map<String, float[]> before = values(student);
            List<StudentTrainer.StepFigures> steps = new ArrayList<>();
            StudentTrainer trainer = new StudentTrainer(student, teacher, TOKENIZER.padId(), training(30, 0.5), 4);
            StudentTrainer.StepFigures last = trainer.train(examples, steps::add);

            assertThat(steps).hasSize(30);
            assertThat(last).isEqualTo(steps.get(29));
            assertThat(steps.get(0).kl()).isPositive();
            assertThat(last.crossEntropy()).isLessThan(steps.get(0).crossEntropy() * 0.8);
            int completionTokens = examples.get(0).completionIds().length + examples.get(1).completionIds().length;
            assertThat(steps.get(0).tokens()).isEqualTo(completionTokens);
            assertThat(student.isTrainable()).isFalse();
            Map<String, float[]> after = values(student);
            for (String name : before.keySet()) {
                assertThat(after.get(name)).as("parameter %s after training", name).isNotEqualTo(before.get(name));
            }
        }
    }

    private static Map<String, float[]> values(PolicyModel model) {
        Map<String, float[]> values = new HashMap<>();
        model.parameters().forEach((name, array) -> values.put(name, array.toFloatArray()));
        return values;
    }
}
