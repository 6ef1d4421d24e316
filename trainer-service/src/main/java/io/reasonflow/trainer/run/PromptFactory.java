package io.reasonflow.trainer.run;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.prompt.PromptTemplate;
import io.reasonflow.trainer.checkpoint.CheckpointRandom;
import java.util.List;

/**
 * Turns task examples into prompt messages with run-unique group ids and a sampling seed each.
 *
 * <p>Group ids are {@code <run>-<purpose>-<n>} with n counting every prompt of the run. A run resumed from a
 * checkpoint continues n but tags its ids {@code <run>-r<k>-<purpose>-<n>} (k counts the resumes), because
 * the interrupted attempt may have published the same n after its last checkpoint and those records are still
 * on the broker. The sampling seeds come from a generator seeded by the run seed whose state the checkpoint
 * stores, so the n-th prompt gets the same seed in an interrupted and an uninterrupted run.
 */
public class PromptFactory {
    /** Sampling ends once the answer block is closed. */
    public static final List<String> STOP = List.of("</answer>");

    /** The numbering state a checkpoint stores: the next prompt number and the seed generator's state. */
    public record State(long nextGroup, long seedState) {
    }

    private final String runId;
    private final PromptTemplate template;
    private String idPrefix;
    private CheckpointRandom seeds;
    private long nextGroup;

    public PromptFactory(String runId, PromptTemplate template, long seed) {
        this.runId = runId;
        this.template = template;
        this.idPrefix = runId;
        this.seeds = CheckpointRandom.seeded(seed);
    }

    public PromptMessage create(TaskExample example, Purpose purpose, SamplingSettings sampling, long minPolicyVersion) {
        return create(example, purpose, sampling, minPolicyVersion, template);
    }

    /** Creates a prompt rendered with {@code promptTemplate} instead of this factory's template. */
    public PromptMessage create(TaskExample example, Purpose purpose, SamplingSettings sampling, long minPolicyVersion,
            PromptTemplate promptTemplate) {
        String groupId = idPrefix + "-" + purpose.wireName() + "-" + nextGroup++;
        return new PromptMessage(Messages.SCHEMA_VERSION, runId, groupId, example.id(), example.task(),
                promptTemplate.render(example.question()), example.answer(), purpose, sampling, minPolicyVersion,
                seeds.nextLong());
    }

    /** Returns the template this factory renders prompts with. */
    public PromptTemplate template() {
        return template;
    }

    public String promptText(TaskExample example) {
        return template.render(example.question());
    }

    public State state() {
        return new State(nextGroup, seeds.state());
    }

    /** Continues from a checkpoint's state, tagging new group ids with the resume count {@code attempt} (>= 1). */
    public void restore(State state, int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is " + attempt + ", expected >= 1 for a resumed run");
        }
        this.nextGroup = state.nextGroup();
        this.seeds = CheckpointRandom.fromState(state.seedState());
        this.idPrefix = runId + "-r" + attempt;
    }

    /** Returns n of a group id made here, which orders the groups as they were published. */
    public static long sequence(String groupId) {
        int dash = groupId.lastIndexOf('-');
        try {
            return Long.parseLong(groupId.substring(dash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("group id " + groupId + " does not end in a prompt number", e);
        }
    }
}
