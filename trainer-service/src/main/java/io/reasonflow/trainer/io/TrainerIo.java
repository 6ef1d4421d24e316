package io.reasonflow.trainer.io;

import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.ScoredGroup;
import java.time.Duration;
import java.util.List;

/** Everything the training loop sends to and receives from the rest of the pipeline. */
public interface TrainerIo {

    /** Publishes prompts and waits until the broker has stored them. */
    void publishPrompts(List<PromptMessage> prompts);

    /** Publishes a policy version: its chunks first, then the manifest that makes it visible. */
    void publishPolicy(PolicyManifest manifest, List<PolicyChunk> chunks);

    void publishEval(EvalResult result);

    /** Returns the next scored group of this run with the given purpose, or null after the timeout. */
    ScoredGroup pollScored(Purpose purpose, Duration timeout) throws InterruptedException;

    /** Returns the keys (group ids) of records sent to a dead-letter topic since the last call. */
    List<String> drainDeadLettered();
}
