package io.reasonflow.contracts;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.OptBoolean;

/**
 * A prompt to sample a group of completions for (topic {@code reasonflow.prompts}, key = group id).
 *
 * @param schemaVersion    message schema version, {@link Messages#SCHEMA_VERSION}
 * @param runId            training run that published the prompt
 * @param groupId          unique id of the completion group this prompt becomes
 * @param promptId         id of the task instance; several groups may share it
 * @param task             task name, for example {@code arithmetic} or {@code gsm8k}
 * @param text             the full prompt text given to the model
 * @param referenceAnswer  the answer a grader compares with
 * @param purpose          train, eval or distill
 * @param sampling         sampling settings for this group
 * @param minPolicyVersion the rollout worker waits until it serves at least this policy version
 * @param samplingSeed     seed of this group's sampling, or null to let the rollout worker choose. With a seed, the
 *                         group's completions do not depend on which other prompts share its generation batch.
 *                         The field may be absent from the JSON and then reads as null. The injection annotation
 *                         is how Jackson lets one constructor field be optional while the others stay required.
 */
public record PromptMessage(int schemaVersion, String runId, String groupId, String promptId, String task,
        String text, String referenceAnswer, Purpose purpose, SamplingSettings sampling, long minPolicyVersion,
        @JacksonInject(value = "sampling_seed", useInput = OptBoolean.TRUE, optional = OptBoolean.TRUE)
        Long samplingSeed) {

    /** A prompt without a sampling seed. */
    public PromptMessage(int schemaVersion, String runId, String groupId, String promptId, String task, String text,
            String referenceAnswer, Purpose purpose, SamplingSettings sampling, long minPolicyVersion) {
        this(schemaVersion, runId, groupId, promptId, task, text, referenceAnswer, purpose, sampling, minPolicyVersion,
                null);
    }

    public PromptMessage {
        Checks.schema(schemaVersion);
        Checks.requiredText(runId, "run_id");
        Checks.requiredText(groupId, "group_id");
        Checks.requiredText(promptId, "prompt_id");
        Checks.requiredText(task, "task");
        Checks.required(text, "text");
        Checks.required(referenceAnswer, "reference_answer");
        Checks.required(purpose, "purpose");
        Checks.required(sampling, "sampling");
        Checks.nonNegative(minPolicyVersion, "min_policy_version");
    }
}
