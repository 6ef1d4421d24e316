package io.reasonflow.contracts;

import java.util.List;

/**
 * The G completions of one prompt (topic {@code reasonflow.rollouts}, key = group id).
 *
 * @param schemaVersion message schema version
 * @param prompt        the prompt as received
 * @param policyVersion policy version that generated every completion of the group
 * @param workerId      rollout worker that generated the group
 * @param completions   exactly {@code prompt.sampling.groupSize} completions
 */
public record RolloutGroup(int schemaVersion, PromptMessage prompt, long policyVersion, String workerId,
        List<Completion> completions) {

    public RolloutGroup {
        Checks.schema(schemaVersion);
        Checks.required(prompt, "prompt");
        Checks.nonNegative(policyVersion, "policy_version");
        Checks.required(completions, "completions");
        completions = List.copyOf(completions);
        Checks.sameSize(completions, "completions", prompt.sampling().groupSize(), "prompt.sampling.group_size");
    }

    public String groupId() {
        return prompt.groupId();
    }
}
