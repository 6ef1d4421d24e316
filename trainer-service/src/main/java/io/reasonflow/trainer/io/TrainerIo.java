package io.reasonflow.trainer.io;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.trainer.policy.PolicyPublisher;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Everything the training loop sends to and receives from the rest of the pipeline. */
public interface TrainerIo extends PolicyPublisher {

    /** Publishes prompts and waits until the broker has stored them. */
    void publishPrompts(List<PromptMessage> prompts);

    void publishEval(EvalResult result);

    /** Returns the next scored group of this run with the given purpose, or null after the timeout. */
    ScoredGroup pollScored(Purpose purpose, Duration timeout) throws InterruptedException;

    /** Returns the keys (group ids) of records sent to a dead-letter topic since the last call. */
    List<String> drainDeadLettered();

    /** Returns the reason recorded with the newest dead letter drained so far, or null when there is none. */
    default String lastDeadLetterReason() {
        return null;
    }

    /**
     * Positions the reading of scored groups and dead letters before anything is published: at
     * {@code resumeFrom} when it was taken on the cluster and scored topic in use, else after the last record now
     * in each topic. Offsets are never committed automatically, only by {@link #commit}.
     *
     * @param resumeFrom position stored in the checkpoint a run resumes from, or null for a new run
     * @return true when the reading starts at {@code resumeFrom}
     */
    boolean startReading(InputPosition resumeFrom);

    /**
     * Returns the position a checkpoint stores: in {@code reasonflow.scored}, per partition, the lowest offset of a
     * record read whose group is in {@code neededGroupIds} (a group not yet trained), or else the next offset to
     * read; in the dead-letter topics, the next offset to read.
     */
    InputPosition position(Set<String> neededGroupIds);

    /** Commits the scored topic's offsets of a position that a durable checkpoint contains; a failure is logged. */
    void commit(InputPosition position, String checkpoint);
}
