package io.reasonflow.trainer.policy;

import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import java.util.List;

/** The side of Kafka that {@link PolicyVersions} needs: publishing versions and finding a run's newest one. */
public interface PolicyPublisher {

    /** Publishes a policy version: its chunks first, then the manifest that makes it visible. */
    void publishPolicy(PolicyManifest manifest, List<PolicyChunk> chunks);

    /** Returns the highest policy version of {@code runId} on the policy topic, or -1 when there is none. */
    long highestPublishedVersion(String runId);
}
