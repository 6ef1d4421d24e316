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
        check(schemaVersion, prompt, policyVersion, completions);
        completions = List.copyOf(completions);
    }

    /**
     * Checks the fields of a group, for this record and for any other view of the same message.
     *
     * @throws InvalidMessageException naming the first invalid field
     */
    public static void check(int schemaVersion, PromptMessage prompt, long policyVersion, List<?> completions) {
        Checks.schema(schemaVersion);
        Checks.required(prompt, "prompt");
        Checks.nonNegative(policyVersion, "policy_version");
        Checks.required(completions, "completions");
        for (int i = 0; i < completions.size(); i++) {
            Checks.required(completions.get(i), "completions[" + i + "]");
        }
        Checks.sameSize(completions, "completions", prompt.sampling().groupSize(), "prompt.sampling.group_size");
    }

    public String groupId() {
        return prompt.groupId();
    }
}
