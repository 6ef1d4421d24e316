package io.reasonflow.rollout.intake;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The prompts between the poll thread and the generation thread, first in first out. A batch is taken
 * from the head: the first prompt, then the prompts right behind it that share its sampling settings,
 * while the batch stays within the sequence and token budgets. Taking only from the head keeps the
 * finished prompts of each partition a prefix of its offsets, so a committed offset never skips one.
 *
 * <p>A batch's token cost is what the padded batch holds: rows times (longest prompt plus the most new
 * tokens). A prompt that alone exceeds a budget still makes a batch of its own.
 */
public class PromptQueue {
    private final Deque<QueuedPrompt> queue = new ArrayDeque<>();
    private final int maxBatchSequences;
    private final long maxBatchTokens;
    private int queuedSequences;

    public PromptQueue(int maxBatchSequences, long maxBatchTokens) {
        this.maxBatchSequences = maxBatchSequences;
        this.maxBatchTokens = maxBatchTokens;
    }

    public synchronized void add(QueuedPrompt prompt) {
        queue.addLast(prompt);
        queuedSequences += prompt.sequences();
        notifyAll();
    }

    /** Sequences (prompts times G) waiting. */
    public synchronized int queuedSequences() {
        return queuedSequences;
    }

    public synchronized int size() {
        return queue.size();
    }

    /**
     * Removes the waiting prompts of the given partitions, which another instance now owns, and returns them.
     */
    public synchronized List<QueuedPrompt> removePartitions(Collection<TopicPartition> partitions) {
        List<QueuedPrompt> removed = new ArrayList<>();
        for (Iterator<QueuedPrompt> it = queue.iterator(); it.hasNext();) {
            QueuedPrompt prompt = it.next();
            if (partitions.contains(prompt.partition())) {
                it.remove();
                queuedSequences -= prompt.sequences();
                removed.add(prompt);
            }
        }
        return removed;
    }

    /**
     * Takes the next batch. Waits up to {@code maxWait} for a first prompt, then up to {@code linger} for
     * more while the batch could still grow. Returns an empty list when nothing arrived in time or when
     * {@code closed} turns true. {@code onTaken} sees the batch before any other thread can see the queue
     * without it.
     */
    public synchronized List<QueuedPrompt> takeBatch(long maxWaitMillis, long lingerMillis, BooleanSupplier closed,
            java.util.function.Consumer<List<QueuedPrompt>> onTaken) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        while (queue.isEmpty() && !closed.getAsBoolean()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return List.of();
            }
            wait(left);
        }
        if (queue.isEmpty()) {
            return List.of();
        }
        long lingerDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lingerMillis);
        int fits = fittingPrefix();
        while (fits == queue.size() && !batchFull(fits)) {
            long left = TimeUnit.NANOSECONDS.toMillis(lingerDeadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            wait(left);
            if (queue.isEmpty() || closed.getAsBoolean()) {
                return List.of();
            }
            fits = fittingPrefix();
        }
        if (closed.getAsBoolean()) {
            return List.of();
        }
        List<QueuedPrompt> batch = new ArrayList<>(fits);
        for (int i = 0; i < fits; i++) {
            QueuedPrompt prompt = queue.removeFirst();
            queuedSequences -= prompt.sequences();
            batch.add(prompt);
        }
        onTaken.accept(batch);
        return batch;
    }

    /** Wakes a thread waiting in {@link #takeBatch}, for example at shutdown. */
    public synchronized void wakeUp() {
        notifyAll();
    }

    /** How many prompts from the head form the next batch (at least one when the queue is not empty). */
    private int fittingPrefix() {
        int count = 0;
        int rows = 0;
        int longestPrompt = 0;
        QueuedPrompt head = queue.peekFirst();
        for (QueuedPrompt prompt : queue) {
            if (!prompt.prompt().sampling().equals(head.prompt().sampling())) {
                break;
            }
            int newRows = rows + prompt.sequences();
            int newLongest = Math.max(longestPrompt, prompt.promptTokens());
            long tokens = (long) newRows * (newLongest + prompt.prompt().sampling().maxNewTokens());
            if (count > 0 && (newRows > maxBatchSequences || tokens > maxBatchTokens)) {
                break;
            }
            count++;
            rows = newRows;
            longestPrompt = newLongest;
        }
        return count;
    }

    /** Whether a batch of the first {@code count} prompts leaves no room for one more prompt like the head. */
    private boolean batchFull(int count) {
        int rows = 0;
        int longest = 0;
        Iterator<QueuedPrompt> it = queue.iterator();
        for (int i = 0; i < count; i++) {
            QueuedPrompt prompt = it.next();
            rows += prompt.sequences();
            longest = Math.max(longest, prompt.promptTokens());
        }
        QueuedPrompt head = queue.peekFirst();
        int nextRows = rows + head.sequences();
        long nextTokens = (long) nextRows * (longest + head.prompt().sampling().maxNewTokens());
        return nextRows > maxBatchSequences || nextTokens > maxBatchTokens;
    }
}
