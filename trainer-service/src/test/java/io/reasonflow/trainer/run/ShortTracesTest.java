package io.reasonflow.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.arithmetic.ArithmeticTask;
import io.reasonflow.tasks.prompt.PromptTemplate;
import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.sft.SftPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShortTracesTest {

    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final TrainerProperties.Task TASK = new TrainerProperties.Task("arithmetic", null, null, 2, 200, 4,
            384);
    private static final PromptFactory PROMPTS = new PromptFactory("short", PromptTemplate.R1_ZERO_COMPACT, 7);

    @Test
    void shortTracesTakeTheGivenShare() {
        TaskData data = TaskData.load(TASK, 7, TOKENIZER, PROMPTS);

        List<SftPair> pairs = data.withShortTraces(0.3, 7, TOKENIZER, PROMPTS);

        assertThat(pairs).hasSize(200);
        int shortOnes = 0;
        for (int i = 0; i < pairs.size(); i++) {
            TaskExample example = data.train().get(i);
            String completion = TOKENIZER.decode(pairs.get(i).completionIds());
            assertThat(pairs.get(i).id()).isEqualTo(example.id());
            assertThat(pairs.get(i).promptIds()).isEqualTo(data.sftPairs().get(i).promptIds());
            if (completion.equals(ArithmeticTask.shortCompletion(example.question()))) {
                shortOnes++;
            } else {
                assertThat(completion).isEqualTo(example.referenceCompletion());
            }
        }
        assertThat(shortOnes).isEqualTo(60);
    }

    @Test
    void shortTracesFollowTheSeed() {
        TaskData data = TaskData.load(TASK, 7, TOKENIZER, PROMPTS);

        List<String> first = completions(data.withShortTraces(0.5, 7, TOKENIZER, PROMPTS));
        List<String> again = completions(data.withShortTraces(0.5, 7, TOKENIZER, PROMPTS));
        List<String> otherSeed = completions(data.withShortTraces(0.5, 8, TOKENIZER, PROMPTS));

        assertThat(again).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    @Test
    void shortTracesAtZeroKeepEveryWorkedTrace() {
        TaskData data = TaskData.load(TASK, 7, TOKENIZER, PROMPTS);

        assertThat(completions(data.withShortTraces(0, 7, TOKENIZER, PROMPTS)))
                .isEqualTo(completions(data.sftPairs()));
    }

    private static List<String> completions(List<SftPair> pairs) {
        return pairs.stream().map(p -> TOKENIZER.decode(p.completionIds())).toList();
    }
}
