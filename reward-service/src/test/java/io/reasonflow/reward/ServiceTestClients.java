package io.reasonflow.reward;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.context.ConfigurableApplicationContext;

/** Kafka and HTTP clients that tests use to drive a running reward service from outside. */
final class ServiceTestClients {
    private ServiceTestClients() {
    }

    /** Returns a group of the given completions, with prompt "12+30" and reference answer 42. */
    static RolloutGroup group(String groupId, String... texts) {
        SamplingSettings sampling = new SamplingSettings(texts.length, 1.0, 1.0, 0, 64, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "test-run", groupId, "p-" + groupId,
                "arithmetic", "User: 12+30\nAssistant: ", "42", Purpose.TRAIN, sampling, 0);
        List<Completion> completions = new ArrayList<>();
        for (String text : texts) {
            completions.add(new Completion(text, new int[] {1, 2}, new double[] {-0.1, -0.2}, FinishReason.STOP));
        }
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 1, "worker", completions);
    }

    /** Sends each record in order and waits for the broker's acknowledgement of every one. */
    static void send(Map<String, Object> client, List<ProducerRecord<String, byte[]>> records)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            for (ProducerRecord<String, byte[]> record : records) {
                producer.send(record).get(30, TimeUnit.SECONDS);
            }
        }
    }

    static void send(Map<String, Object> client, String topic, String key, byte[] value)
            throws InterruptedException, ExecutionException, TimeoutException {
        send(client, List.of(new ProducerRecord<>(topic, key, value)));
    }

    /**
     * Reads committed records of {@code topic} from its beginning until {@code count} of them have a key in
     * {@code keys} (all records when {@code keys} is empty), or the time runs out.
     */
    static List<ConsumerRecord<String, byte[]>> read(Map<String, Object> client, String topic, List<String> keys,
            int count, Duration limit) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> matched = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + limit.toNanos();
            while (matched.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (keys.isEmpty() || keys.contains(record.key())) {
                        matched.add(record);
                    }
                }
            }
        }
        return matched;
    }

    /** Returns the last value of header {@code name} as text, or null. */
    static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Sends a GET to the service's HTTP port on loopback and returns the response. */
    static HttpResponse<String> get(ConfigurableApplicationContext service, String path)
            throws IOException, InterruptedException {
        String port = service.getEnvironment().getProperty("local.server.port");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Returns the value of one sample on {@code /actuator/prometheus}, 0 when it is not there yet. */
    static double metric(ConfigurableApplicationContext service, String sample)
            throws IOException, InterruptedException {
        HttpResponse<String> response = get(service, "/actuator/prometheus");
        assertThat(response.statusCode()).isEqualTo(200);
        Matcher matcher = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE)
                .matcher(response.body());
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0.0;
    }
}
