package io.reasonflow.rollout;

import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * Fetches a policy version's weights a second time: from the URI of a manifest whose weights live on a
 * shared store ({@code file:} on a shared volume, or {@code http:}/{@code https:}), or by reading a
 * version's chunks again from {@code reasonflow.policy.chunks} with a consumer of its own.
 */
public class WeightFetcher {
    /** Java arrays end here; larger weights need a sharded checkpoint, which versions do not carry yet. */
    static final long MAX_WEIGHT_BYTES = Integer.MAX_VALUE - 8L;
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

    private final ConsumerFactory<String, byte[]> consumerFactory;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    public WeightFetcher(ConsumerFactory<String, byte[]> consumerFactory) {
        this.consumerFactory = consumerFactory;
    }

    /**
     * Reads the weight file at the manifest's URI, at most the manifest's size plus one byte (so a longer
     * file fails verification without being read whole).
     */
    public byte[] fetch(PolicyManifest manifest) throws IOException, InterruptedException {
        if (manifest.sizeBytes() > MAX_WEIGHT_BYTES) {
            throw new IOException("policy version " + manifest.version() + " declares " + manifest.sizeBytes()
                    + " bytes, more than the " + MAX_WEIGHT_BYTES + " a single weight file may have");
        }
        URI uri;
        try {
            uri = URI.create(manifest.uri());
        } catch (IllegalArgumentException e) {
            throw new IOException("policy version " + manifest.version() + " has an invalid uri '" + manifest.uri()
                    + "': " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        int limit = (int) Math.min(MAX_WEIGHT_BYTES, manifest.sizeBytes() + 1);
        switch (scheme) {
            case "file" -> {
                try (InputStream in = Files.newInputStream(Path.of(uri))) {
                    return in.readNBytes(limit);
                }
            }
            case "http", "https" -> {
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(READ_TIMEOUT).GET().build();
                HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream in = response.body()) {
                    if (response.statusCode() != 200) {
                        throw new IOException("GET " + uri + " answered HTTP " + response.statusCode());
                    }
                    return in.readNBytes(limit);
                }
            }
            default -> throw new IOException("policy version " + manifest.version() + " is stored at '"
                    + manifest.uri() + "'; supported schemes are file:, http: and https:");
        }
    }

    /**
     * Reads the chunks of one version again, from the given offsets up to the end of each partition now.
     *
     * @param from the earliest offset of the version's chunks seen in each partition
     */
    public List<PolicyChunk> rereadChunks(String runId, long version, Map<TopicPartition, Long> from) {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<PolicyChunk> found = new ArrayList<>();
        try (Consumer<String, byte[]> consumer = consumerFactory.createConsumer(null, "policy-refetch", null,
                overrides)) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            Map<TopicPartition, Long> end = consumer.endOffsets(from.keySet(), Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!reached(consumer, end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        PolicyChunk chunk = Topics.POLICY_CHUNKS.decode(record.value());
                        if (chunk.runId().equals(runId) && chunk.version() == version) {
                            found.add(chunk);
                        }
                    } catch (InvalidMessageException e) {
                        // Undecodable chunks went to the dead-letter topic when first read.
                    }
                }
            }
        }
        return found;
    }

    private static boolean reached(Consumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }
}
