package io.reasonflow.reward.stream;

import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PartialScores;
import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.reward.GroupScorer;
import io.reasonflow.reward.RolloutView;
import io.reasonflow.reward.stream.PendingGroup.ReceivedPartial;
import io.reasonflow.reward.stream.PendingGroup.ReceivedRecord;
import io.reasonflow.service.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores rollout groups and merges the partial scores of Kafka graders, one stream task per partition.
 *
 * <p>A rollout is scored by the built-in and HTTP graders on arrival. Without Kafka graders it is
 * published at once; otherwise it waits in the state store until every Kafka grader has reported, and
 * goes to {@code reasonflow.rollouts.dlq} with the missing grader names when the merge timeout passes
 * first. Records that cannot be read, partial scores that do not fit their group, and partial scores
 * whose group never arrives go to their topic's dead-letter topic with the reason. Under
 * exactly-once processing, everything a record causes (output, dead letters, state changes) commits
 * in one transaction with its input offset.
 */
final class ScoringProcessor implements Processor<String, byte[], String, byte[]> {
    /** Header of a dead-lettered incomplete group: the Kafka graders that had not reported, comma-separated. */
    static final String MISSING_GRADERS_HEADER = "reasonflow-dlq-missing-graders";

    private static final Logger log = LoggerFactory.getLogger(ScoringProcessor.class);
    private static final int WARNINGS_IN_FULL = 10;

    private final ScoringTopology.Settings settings;
    private final Supplier<GroupScorer> scorers;
    private final RewardCounters counters;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> pending;
    private GroupScorer scorer;
    private long deadLettersLogged;

    ScoringProcessor(ScoringTopology.Settings settings, Supplier<GroupScorer> scorers, RewardCounters counters) {
        this.settings = settings;
        this.scorers = scorers;
        this.counters = counters;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.pending = context.getStateStore(ScoringTopology.PENDING_STORE);
        this.scorer = scorers.get();
        context.schedule(checkInterval(settings.mergeTimeout()), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    static Duration checkInterval(Duration timeout) {
        long millis = Math.max(100, Math.min(5_000, timeout.toMillis() / 10));
        return Duration.ofMillis(millis);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        RecordMetadata metadata = context.recordMetadata().orElseThrow();
        if (record.value() != null && record.value().length > settings.maxRecordBytes()) {
            deadLetterTooLarge(record, metadata);
            return;
        }
        ReceivedRecord received = new ReceivedRecord(metadata.topic(), metadata.partition(), metadata.offset(),
                record.value());
        if (metadata.topic().equals(Topics.ROLLOUTS.name())) {
            onRollout(record, received);
        } else {
            onPartial(record, received);
        }
    }

    private void onRollout(Record<String, byte[]> record, ReceivedRecord received) {
        RolloutView group;
        List<Map<String, Double>> own;
        try {
            group = RolloutView.decode(record.value());
            checkKey(record.key(), group.groupId());
            own = scorer.ownScores(group);
        } catch (InvalidMessageException e) {
            deadLetterRollout(record.headers(), record.key(), received, e.getMessage(), null);
            return;
        } catch (RuntimeException e) {
            log.error("Scoring group {} failed", record.key(), e);
            deadLetterRollout(record.headers(), record.key(), received,
                    "scoring failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
            return;
        }
        if (settings.kafkaGraders().isEmpty()) {
            publish(group.groupId(), record.value(), own, Map.of());
            return;
        }
        String key = group.groupId();
        PendingGroup state = load(key);
        if (state != null && state.rollout() != null) {
            deadLetterRollout(record.headers(), record.key(), received, "group " + key
                    + " arrived again while the first copy waits for Kafka graders " + missing(state), null);
            return;
        }
        state = (state == null ? new PendingGroup(now(), null, null, null) : state).withRollout(received, own);
        for (Map.Entry<String, ReceivedPartial> early : List.copyOf(state.partials().entrySet())) {
            String problem = sizeProblem(early.getValue().scores(), key, own.size());
            if (problem != null) {
                deadLetterPartial(early.getValue().record(), key, problem);
                state = state.withoutPartial(early.getKey());
            }
        }
        settle(key, state);
    }

    private void onPartial(Record<String, byte[]> record, ReceivedRecord received) {
        PartialScores partial;
        try {
            partial = Topics.REWARDS.decode(record.value());
            checkKey(record.key(), partial.groupId());
        } catch (InvalidMessageException e) {
            deadLetterPartial(record.headers(), received, record.key(), e.getMessage());
            return;
        }
        if (!settings.kafkaGraders().contains(partial.grader())) {
            deadLetterPartial(record.headers(), received, record.key(), "grader '" + partial.grader()
                    + "' is not listed in reasonflow.reward.kafka-graders " + settings.kafkaGraders()
                    + "; add it there to merge its scores");
            return;
        }
        String key = partial.groupId();
        PendingGroup state = load(key);
        if (state == null) {
            state = new PendingGroup(now(), null, null, null);
        }
        if (state.partials().containsKey(partial.grader())) {
            counters.duplicatePartial();
            log.debug("Ignoring a repeated score of grader {} for group {} at {}", partial.grader(), key, received);
            return;
        }
        // The own scores hold one entry per completion, so the group need not be decoded again.
        if (state.rollout() != null) {
            String problem = sizeProblem(partial.scores(), key, state.ownScores().size());
            if (problem != null) {
                deadLetterPartial(record.headers(), received, key, problem);
                return;
            }
        }
        settle(key, state.withPartial(partial.grader(), new ReceivedPartial(partial.scores(), received)));
    }

    /** Publishes the group when it is complete; stores it otherwise. */
    private void settle(String key, PendingGroup state) {
        if (state.rollout() != null && missing(state).isEmpty()) {
            Map<String, List<Double>> partials = new LinkedHashMap<>();
            state.partials().forEach((grader, partial) -> partials.put(grader, partial.scores()));
            publish(key, state.rollout().value(), state.ownScores(), partials);
            pending.delete(key);
        } else {
            pending.put(key, state.encode());
        }
    }

    private void publish(String groupId, byte[] rolloutBytes, List<Map<String, Double>> own,
            Map<String, List<Double>> partials) {
        List<CompletionScore> scores = scorer.combine(own, partials);
        scores.forEach(score -> score.graderScores().forEach((grader, value) -> {
            if (value == null) {
                counters.ungradable(grader);
            }
        }));
        context.forward(new Record<>(groupId, encode(rolloutBytes, scores), context.currentSystemTimeMs()),
                ScoringTopology.SCORED_SINK);
        counters.scored(own.size());
    }

    /**
     * Encodes a {@link ScoredGroup} with the rollout's bytes as received in its {@code group} field,
     * which saves decoding and encoding every token id and log-prob again.
     */
    static byte[] encode(byte[] rolloutBytes, List<CompletionScore> completionScores) {
        byte[] head = ("{\"schema_version\":" + Messages.SCHEMA_VERSION + ",\"group\":")
                .getBytes(StandardCharsets.UTF_8);
        byte[] scores = Messages.encode(completionScores);
        byte[] middle = ",\"scores\":".getBytes(StandardCharsets.UTF_8);
        byte[] group = rolloutBytes;
        if (group.length >= 3 && group[0] == (byte) 0xEF && group[1] == (byte) 0xBB && group[2] == (byte) 0xBF) {
            group = java.util.Arrays.copyOfRange(group, 3, group.length);
        }
        byte[] out = new byte[head.length + group.length + middle.length + scores.length + 1];
        int at = 0;
        for (byte[] part : new byte[][] {head, group, middle, scores}) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        out[at] = '}';
        return out;
    }

    /** Dead-letters every group whose merge timeout has passed. */
    private void expire(long nowMillis) {
        long cutoff = nowMillis - settings.mergeTimeout().toMillis();
        List<KeyValue<String, PendingGroup>> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = pending.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                PendingGroup state = PendingGroup.decode(entry.value);
                if (state.firstSeenMillis() <= cutoff) {
                    expired.add(KeyValue.pair(entry.key, state));
                }
            }
        }
        long seconds = settings.mergeTimeout().toSeconds();
        for (KeyValue<String, PendingGroup> entry : expired) {
            PendingGroup state = entry.value;
            if (state.rollout() != null) {
                List<String> missing = missing(state);
                deadLetterRollout(new RecordHeaders(), entry.key, state.rollout(), "incomplete after " + seconds
                        + " s: no scores from Kafka graders " + missing, String.join(",", missing));
                counters.incompleteGroup();
            } else {
                for (ReceivedPartial partial : state.partials().values()) {
                    deadLetterPartial(partial.record(), entry.key, "no rollout group " + entry.key
                            + " arrived within " + seconds + " s; the group is unknown or was already published");
                }
            }
            pending.delete(entry.key);
        }
    }

    private List<String> missing(PendingGroup state) {
        return settings.kafkaGraders().stream().filter(name -> !state.partials().containsKey(name)).toList();
    }

    private static String sizeProblem(List<Double> scores, String groupId, int expected) {
        return scores.size() == expected ? null : "scores has " + scores.size() + " entries but group "
                + groupId + " has " + expected + " completions; send one score per completion, in order";
    }

    private static void checkKey(String key, String groupId) {
        if (key != null && !key.equals(groupId)) {
            throw new InvalidMessageException("record key '" + key + "' differs from group_id '" + groupId
                    + "'; key each record by its group id");
        }
    }

    private PendingGroup load(String key) {
        byte[] bytes = pending.get(key);
        return bytes == null ? null : PendingGroup.decode(bytes);
    }

    private void deadLetterRollout(Headers original, String key, ReceivedRecord received, String reason,
            String missingGraders) {
        Headers headers = deadLetterHeaders(original, received, reason);
        if (missingGraders != null) {
            headers.add(MISSING_GRADERS_HEADER, utf8(missingGraders));
        } else {
            counters.rolloutDeadLettered();
        }
        logDeadLetter(received, key, Topics.ROLLOUTS.deadLetterTopic(), reason);
        context.forward(new Record<>(key, received.value(), context.currentSystemTimeMs(), headers),
                ScoringTopology.ROLLOUTS_DLQ_SINK);
    }

    private void deadLetterPartial(ReceivedRecord received, String key, String reason) {
        deadLetterPartial(new RecordHeaders(), received, key, reason);
    }

    private void deadLetterPartial(Headers original, ReceivedRecord received, String key, String reason) {
        logDeadLetter(received, key, Topics.REWARDS.deadLetterTopic(), reason);
        counters.partialDeadLettered();
        context.forward(new Record<>(key, received.value(), context.currentSystemTimeMs(),
                deadLetterHeaders(original, received, reason)), ScoringTopology.REWARDS_DLQ_SINK);
    }

    /**
     * Sends a record above {@code max-record-bytes} to its dead-letter topic without its value, which could
     * be too large for that topic or for the producer. The headers give its size and where it stays.
     */
    private void deadLetterTooLarge(Record<String, byte[]> record, RecordMetadata metadata) {
        ReceivedRecord withoutValue = new ReceivedRecord(metadata.topic(), metadata.partition(), metadata.offset(),
                null);
        int size = record.value().length;
        String reason = "record value is " + size + " bytes, above the limit of " + settings.maxRecordBytes()
                + " bytes set by reasonflow.reward.max-record-bytes; the value is left out of this dead letter and "
                + "stays at " + describe(withoutValue, record.key());
        Headers headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        headers.add(DeadLetters.ORIGINAL_SIZE, utf8(Integer.toString(size)));
        if (metadata.topic().equals(Topics.ROLLOUTS.name())) {
            deadLetterRollout(headers, record.key(), withoutValue, reason, null);
        } else {
            deadLetterPartial(headers, withoutValue, record.key(), reason);
        }
    }

    /**
     * Logs a dead letter: the first {@value #WARNINGS_IN_FULL} of this task at warning level, then every
     * hundredth with the running count, so that a missing grader does not flood the log. The rest go to
     * debug level; the metrics count every one.
     */
    private void logDeadLetter(ReceivedRecord received, String key, String topic, String reason) {
        long count = ++deadLettersLogged;
        if (count <= WARNINGS_IN_FULL || count % 100 == 0) {
            log.warn("Sending {} to {} ({} dead letters from this task so far): {}", describe(received, key), topic,
                    count, reason);
        } else {
            log.debug("Sending {} to {}: {}", describe(received, key), topic, reason);
        }
    }

    private Headers deadLetterHeaders(Headers original, ReceivedRecord received, String reason) {
        Headers headers = new RecordHeaders();
        for (Header header : original) {
            headers.add(header);
        }
        headers.add(DeadLetters.ORIGINAL_TOPIC, utf8(received.topic()));
        headers.add(DeadLetters.ORIGINAL_PARTITION, utf8(Integer.toString(received.partition())));
        headers.add(DeadLetters.ORIGINAL_OFFSET, utf8(Long.toString(received.offset())));
        headers.add(DeadLetters.ERROR, utf8(reason));
        headers.add(DeadLetters.SERVICE, utf8(settings.serviceName()));
        headers.add(DeadLetters.TIME, utf8(Instant.ofEpochMilli(context.currentSystemTimeMs()).toString()));
        return headers;
    }

    private long now() {
        return context.currentSystemTimeMs();
    }

    private static String describe(ReceivedRecord received, String key) {
        return received.topic() + "-" + received.partition() + "@" + received.offset() + " key=" + key;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
