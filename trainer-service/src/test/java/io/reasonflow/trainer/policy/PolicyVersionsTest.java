package io.reasonflow.trainer.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Version numbers after a resume, and how far behind the current policy a group's version is. */
class PolicyVersionsTest {
    private static PolicyModel model;

    /** Keeps the manifests in memory, in the order published, as the policy topic would. */
    private static final class Topic implements PolicyPublisher {
        final List<PolicyManifest> manifests = new ArrayList<>();

        @Override
        public void publishPolicy(PolicyManifest manifest, List<PolicyChunk> chunks) {
            manifests.add(manifest);
        }

        @Override
        public long highestPublishedVersion(String runId) {
            return manifests.stream().filter(m -> m.runId().equals(runId)).mapToLong(PolicyManifest::version).max()
                    .orElse(-1);
        }
    }

    @BeforeAll
    static void createModel() {
        model = PolicyModel.initialize(ModelConfig.tiny(ByteTokenizer.VOCAB_SIZE), 3);
    }

    @AfterAll
    static void closeModel() {
        model.close();
    }

    @Test
    void behindCountsVersionNumbersWithoutAResume() {
        PolicyVersions versions = new PolicyVersions(new Topic(), "run");
        for (int step = 0; step < 4; step++) {
            versions.publish(model, step);
        }
        assertThat(versions.latestVersion()).isEqualTo(3);
        assertThat(versions.versionsBehind(3)).isZero();
        assertThat(versions.versionsBehind(1)).isEqualTo(2);
    }

    @Test
    void renumberedCheckpointKeepsLineage() {
        Topic topic = new Topic();
        PolicyVersions interrupted = new PolicyVersions(topic, "run");
        for (int step = 0; step < 6; step++) {
            interrupted.publish(model, step); // versions 0 to 5, of which the checkpoint contains version 3
        }

        PolicyVersions resumed = new PolicyVersions(topic, "run");
        assertThat(resumed.resume(model, 3, 2)).as("the checkpoint's weights under the next free number").isEqualTo(6);
        assertThat(resumed.versionsBehind(3)).as("the checkpoint's own version: the same weights").isZero();
        assertThat(resumed.versionsBehind(2)).isEqualTo(1);
        assertThat(resumed.versionsBehind(4)).as("published by the interrupted attempt after the checkpoint")
                .isEqualTo(Long.MAX_VALUE);
        assertThat(resumed.versionsBehind(5)).isEqualTo(Long.MAX_VALUE);

        assertThat(resumed.publish(model, 3)).isEqualTo(7);
        assertThat(resumed.versionsBehind(6)).isEqualTo(1);
        assertThat(resumed.versionsBehind(3)).isEqualTo(1);
        assertThat(resumed.versionsBehind(2)).isEqualTo(2);
        assertThat(topic.manifests.stream().map(PolicyManifest::version).toList())
                .as("numbers on the topic only increase").isSorted().doesNotHaveDuplicates();
    }

    @Test
    void resumeWithoutNewerVersionsKeepsTheNumbers() {
        Topic topic = new Topic();
        PolicyVersions first = new PolicyVersions(topic, "run");
        for (int step = 0; step < 3; step++) {
            first.publish(model, step);
        }
        PolicyVersions resumed = new PolicyVersions(topic, "run");
        assertThat(resumed.resume(model, 2, 1)).isEqualTo(2);
        assertThat(resumed.versionsBehind(1)).isEqualTo(1);

        PolicyVersions freshBroker = new PolicyVersions(new Topic(), "run");
        assertThat(freshBroker.resume(model, 2, 1)).isEqualTo(2);
        assertThat(freshBroker.versionsBehind(0)).isEqualTo(2);
    }
}
