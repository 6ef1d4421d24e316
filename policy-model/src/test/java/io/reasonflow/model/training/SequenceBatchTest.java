package io.reasonflow.model.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SequenceBatchTest {
    private static NDManager manager;

    @BeforeAll
    static void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }

    @Test
    void leftPadsAndMarksCompletionTargets() {
        List<int[]> prompts = List.of(new int[] {1, 2}, new int[] {3, 4, 5});
        List<int[]> completions = List.of(new int[] {6, 7, 8}, new int[] {9});
        try (SequenceBatch batch = new SequenceBatch(manager, prompts, completions, 0, 10)) {
            assertThat(batch.length()).isEqualTo(5);
            assertThat(batch.inputIds().getShape()).isEqualTo(new Shape(2, 5));
            assertThat(batch.inputIds().toLongArray()).containsExactly(1, 2, 6, 7, 8, 0, 3, 4, 5, 9);
            assertThat(batch.attentionMask().toLongArray()).containsExactly(1, 1, 1, 1, 1, 0, 1, 1, 1, 1);
            assertThat(batch.completionMask().getShape()).isEqualTo(new Shape(2, 4));
            assertThat(batch.completionMask().toFloatArray()).containsExactly(0, 1, 1, 1, 0, 0, 0, 1);
            assertThat(batch.completionTokenCount()).isEqualTo(4);
        }
    }

    @Test
    void alignsAndExtractsCompletionValues() {
        List<int[]> prompts = List.of(new int[] {1, 2}, new int[] {3, 4, 5});
        List<int[]> completions = List.of(new int[] {6, 7, 8}, new int[] {9});
        try (SequenceBatch batch = new SequenceBatch(manager, prompts, completions, 0, 10)) {
            NDArray aligned = batch.alignCompletionValues(manager, List.of(new float[] {0.1f, 0.2f, 0.3f},
                    new float[] {0.4f}));
            assertThat(aligned.toFloatArray()).containsExactly(0, 0.1f, 0.2f, 0.3f, 0, 0, 0, 0.4f);
            List<float[]> extracted = batch.completionValues(aligned);
            assertThat(extracted.get(0)).containsExactly(0.1f, 0.2f, 0.3f);
            assertThat(extracted.get(1)).containsExactly(0.4f);
            aligned.close();
        }
    }

    @Test
    void maskEndsAtFirstEosWhenPadIsEos() {
        int eos = 2;
        List<int[]> prompts = List.of(new int[] {1, 5}, new int[] {1}, new int[] {1, 5, 6});
        // Row 0 is right-padded with EOS, row 1 has no EOS, row 2 starts with EOS.
        List<int[]> completions = List.of(new int[] {7, eos, eos, eos}, new int[] {8, 9}, new int[] {eos, 9});
        try (SequenceBatch batch = new SequenceBatch(manager, prompts, completions, eos, 10, Set.of(eos, 4))) {
            assertThat(batch.length()).isEqualTo(6);
            assertThat(batch.inputIds().toLongArray()).containsExactly(
                    1, 5, 7, eos, eos, eos,
                    eos, eos, eos, 1, 8, 9,
                    eos, 1, 5, 6, eos, 9);
            assertThat(batch.completionMask().toFloatArray()).containsExactly(
                    0, 1, 1, 0, 0,
                    0, 0, 0, 1, 1,
                    0, 0, 0, 1, 0);
            assertThat(batch.keptLength(0)).isEqualTo(2);
            assertThat(batch.keptLength(1)).isEqualTo(2);
            assertThat(batch.keptLength(2)).isEqualTo(1);
            assertThat(batch.completionLength(0)).isEqualTo(4);
            assertThat(batch.completionTokenCount()).isEqualTo(5);
        }
        assertThat(SequenceBatch.keptLength(new int[] {3, 4, 2, 4}, Set.of(2, 4))).isEqualTo(2);
        assertThat(SequenceBatch.keptLength(new int[] {}, Set.of(2))).isZero();
    }

    @Test
    void rejectsTooLongSequence() {
        assertThatThrownBy(() -> new SequenceBatch(manager, List.of(new int[6]), List.of(new int[5]), 0, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sequence 0 has 11 tokens (prompt 6 + completion 5), more than the maximum 10");
    }

    @Test
    void rejectsEmptyPromptAndMismatchedLists() {
        assertThatThrownBy(() -> new SequenceBatch(manager, List.of(new int[0]), List.of(new int[2]), 0, 10))
                .hasMessageContaining("prompt 0 is empty");
        assertThatThrownBy(() -> new SequenceBatch(manager, List.of(new int[1]), List.of(), 0, 10))
                .hasMessageContaining("1 prompts and 0 completions");
    }
}
