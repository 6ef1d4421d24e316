package io.reasonflow.pipeline.report;

import java.util.List;

/**
 * The held-out evaluation of one stage of the recipe, as the report shows it.
 *
 * @param name                stage name, such as {@code sft} or {@code student-distilled}
 * @param passAt1             mean correctness over the k samples of every held-out prompt
 * @param majAtK              share of prompts whose majority answer is correct
 * @param formatRate          share of samples with a well-formed think/answer block
 * @param languageConsistency mean language-consistency score of the samples, or null when not measured
 * @param meanLength          mean completion length in tokens
 * @param parameters          parameters of the evaluated model
 * @param wallSeconds         wall time of the training that produced the stage, evaluation included
 * @param examples            a few sampled completions of held-out prompts
 */
public record StageResult(String name, double passAt1, double majAtK, double formatRate, Double languageConsistency,
        double meanLength, long parameters, double wallSeconds, List<Example> examples) {

    /** One sampled completion of a held-out prompt, with whether it was graded correct. */
    public record Example(String prompt, String completion, boolean correct) {
    }

    public StageResult {
        examples = examples == null ? List.of() : List.copyOf(examples);
    }
}
