package io.reasonflow.contracts;

import java.util.List;

/** The registry of every topic the pipeline reads or writes. */
public final class Topics {
    public static final Topic<PromptMessage> PROMPTS = new Topic<>("reasonflow.prompts", PromptMessage.class);
    public static final Topic<RolloutGroup> ROLLOUTS = new Topic<>("reasonflow.rollouts", RolloutGroup.class);
    public static final Topic<PartialScores> REWARDS = new Topic<>("reasonflow.rewards", PartialScores.class);
    public static final Topic<ScoredGroup> SCORED = new Topic<>("reasonflow.scored", ScoredGroup.class);
    public static final Topic<PolicyManifest> POLICY = new Topic<>("reasonflow.policy", PolicyManifest.class);
    public static final Topic<PolicyChunk> POLICY_CHUNKS = new Topic<>("reasonflow.policy.chunks", PolicyChunk.class,
            new PolicyChunkCodec());
    public static final Topic<EvalResult> EVAL = new Topic<>("reasonflow.eval", EvalResult.class);

    /** Every topic, in pipeline order. */
    public static final List<Topic<?>> ALL = List.of(PROMPTS, ROLLOUTS, REWARDS, SCORED, POLICY, POLICY_CHUNKS, EVAL);

    /** Record header naming the service that sent a record to a dead-letter topic. */
    public static final String DLQ_SERVICE_HEADER = "reasonflow-dlq-service";

    private Topics() {
    }

    /** Every topic name including the dead-letter topics. */
    public static List<String> allNames() {
        return ALL.stream().flatMap(t -> java.util.stream.Stream.of(t.name(), t.deadLetterTopic())).toList();
    }
}
