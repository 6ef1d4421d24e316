package io.reasonflow.rollout.intake;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of the prompt partitions this instance owns: which records were read and which are done
 * (published, or sent to the dead-letter topic). The position to commit for a partition is its first
 * record not yet done, so a record that is not done is read again by whoever owns the partition next.
 * Thread-safe: the poll thread reads and commits, the generation thread marks records done.
 */
public class OffsetLedger {
    private final Map<TopicPartition, PartitionOffsets> partitions = new HashMap<>();

    private static final class PartitionOffsets {
        final TreeSet<Long> outstanding = new TreeSet<>();
        long nextToRead = -1;
        long committed = -1;

        long position() {
            return outstanding.isEmpty() ? nextToRead : outstanding.first();
        }
    }

    /** Records that a record was read and is not done yet. */
    public synchronized void read(TopicPartition partition, long offset) {
        PartitionOffsets offsets = partitions.computeIfAbsent(partition, p -> new PartitionOffsets());
        offsets.outstanding.add(offset);
        offsets.nextToRead = Math.max(offsets.nextToRead, offset + 1);
    }

    /** Marks a record done; ignored for a partition this instance no longer owns. */
    public synchronized void done(TopicPartition partition, long offset) {
        PartitionOffsets offsets = partitions.get(partition);
        if (offsets != null) {
            offsets.outstanding.remove(offset);
        }
    }

    /** Positions that moved since they were last committed; {@link #committed} records a commit. */
    public synchronized Map<TopicPartition, OffsetAndMetadata> toCommit() {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        partitions.forEach((partition, offsets) -> {
            long position = offsets.position();
            if (position > offsets.committed) {
                commits.put(partition, new OffsetAndMetadata(position));
            }
        });
        return commits;
    }

    public synchronized void committed(Map<TopicPartition, OffsetAndMetadata> commits) {
        commits.forEach((partition, offset) -> {
            PartitionOffsets offsets = partitions.get(partition);
            if (offsets != null) {
                offsets.committed = Math.max(offsets.committed, offset.offset());
            }
        });
    }

    /** Records read and not yet done, over all partitions. */
    public synchronized int outstanding() {
        return partitions.values().stream().mapToInt(o -> o.outstanding.size()).sum();
    }

    /** Whether any record of these partitions is read and not done. */
    public synchronized boolean anyOutstanding(java.util.Collection<TopicPartition> owned) {
        return owned.stream().map(partitions::get).anyMatch(o -> o != null && !o.outstanding.isEmpty());
    }

    /** Forgets partitions that another instance now owns. */
    public synchronized void forget(java.util.Collection<TopicPartition> revoked) {
        revoked.forEach(partitions::remove);
    }
}
