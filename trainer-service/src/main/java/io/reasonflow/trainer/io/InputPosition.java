package io.reasonflow.trainer.io;

import java.util.Map;
import java.util.TreeMap;

/**
 * The trainer's position in the topics it reads: {@code reasonflow.scored}, from which it needs every record
 * of a group it has not trained yet, and the dead-letter topics, whose records it has applied to the ledger. A
 * checkpoint stores it; a resume on the same cluster (and the same scored topic) seeks there. A resume on
 * another cluster, or after the topic was re-created, cannot, so it requests again the groups it still needs.
 *
 * @param clusterId     id of the Kafka cluster
 * @param scoredTopicId id of the {@code reasonflow.scored} topic, which changes when the topic is re-created
 * @param scored        offset from which {@code reasonflow.scored} is read again, by partition
 * @param scoredRead    offset up to which {@code reasonflow.scored} had been read, by partition; a record below it
 *                      that is read again was handled already (a record that cannot be decoded is not sent to the
 *                      dead-letter topic twice)
 * @param deadLetters   next offset to read in each dead-letter topic partition, by {@code <topic>-<partition>}
 */
public record InputPosition(String clusterId, String scoredTopicId, Map<Integer, Long> scored,
        Map<Integer, Long> scoredRead, Map<String, Long> deadLetters) {

    public InputPosition {
        scored = new TreeMap<>(scored);
        scoredRead = new TreeMap<>(scoredRead);
        deadLetters = new TreeMap<>(deadLetters);
    }

    /** Returns whether this position was taken on the same cluster and scored topic as {@code other}. */
    public boolean sameSource(InputPosition other) {
        return clusterId.equals(other.clusterId) && scoredTopicId.equals(other.scoredTopicId);
    }
}
