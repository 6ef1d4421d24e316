package io.reasonflow.contracts;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.OptBoolean;

/**
 * Evaluation of one policy version on a held-out set (topic {@code reasonflow.eval}, key = run id).
 *
 * @param schemaVersion    message schema version
 * @param runId            evaluated run
 * @param stage            what the policy is, for example {@code start}, {@code sft}, {@code final}
 * @param policyVersion    evaluated policy version
 * @param dataset          dataset name
 * @param prompts          number of held-out prompts
 * @param samplesPerPrompt k, samples per prompt (JSON field {@code k})
 * @param passAt1          mean accuracy over all k samples of all prompts
 * @param majAtK           share of prompts whose most frequent answer among k samples is correct
 * @param formatRate       share of samples with a well-formed think/answer block
 * @param meanLength       mean completion length in tokens
 * @param languageConsistency mean language-consistency score of the samples (share of the reasoning written in
 *                         the target language); null in records written before it was measured
 */
public record EvalResult(int schemaVersion, String runId, String stage, long policyVersion, String dataset,
        int prompts, @JsonProperty("k") int samplesPerPrompt, @JsonProperty("pass_at_1") double passAt1, double majAtK,
        double formatRate, double meanLength,
        @JacksonInject(value = "language_consistency", useInput = OptBoolean.TRUE, optional = OptBoolean.TRUE)
        Double languageConsistency) {

    /** An evaluation without a language-consistency figure. */
    public EvalResult(int schemaVersion, String runId, String stage, long policyVersion, String dataset, int prompts,
            int samplesPerPrompt, double passAt1, double majAtK, double formatRate, double meanLength) {
        this(schemaVersion, runId, stage, policyVersion, dataset, prompts, samplesPerPrompt, passAt1, majAtK, formatRate,
                meanLength, null);
    }

    public EvalResult {
        Checks.schema(schemaVersion);
        Checks.requiredText(runId, "run_id");
        Checks.requiredText(stage, "stage");
        Checks.finite(passAt1, "pass_at_1");
        Checks.finite(majAtK, "maj_at_k");
        Checks.finite(formatRate, "format_rate");
        Checks.finite(meanLength, "mean_length");
        if (languageConsistency != null) {
            Checks.finite(languageConsistency, "language_consistency");
        }
    }
}
