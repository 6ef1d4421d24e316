package io.reasonflow.pipeline.bench;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.Topics;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.reward.RewardApplication;
import io.reasonflow.reward.RewardProperties;
import io.reasonflow.reward.RewardStreamsConfiguration;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.grading.AccuracyGrader;
import io.reasonflow.tasks.grading.FormatGrader;
import io.reasonflow.tasks.dataset.Gsm8kReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * Measures grading speed: accuracy plus strict format on GSM8K-length completions, in process, and
 * the reward service's throughput on a local broker against a pass-through of the same topic.
 *
 * <p>Completions are the dataset's reference solutions in the {@code <think>}/{@code <answer>} layout.
 * Every other one has its final result changed, so half grade as correct. The pass-through is a Kafka
 * Streams application with the reward service's settings (exactly-once, same commit interval, one
 * thread) that copies each rollout record to another topic unchanged. Both rates come from the broker's
 * append times of the output records, over the second half of them, so start-up, rebalancing and JIT
 * warm-up do not count.
 */
public final class GradingBenchmark {
    private static final String PASS_THROUGH_TOPIC = "bench.pass-through";

    /**
     * Benchmark settings.
     *
     * @param dataset     GSM8K JSONL file whose reference solutions become completions
     * @param groups      rollout groups sent through the service and the pass-through
     * @param groupSize   completions per group
     * @param minDuration   shortest timed period of the in-process measurement
     * @param streamThreads stream threads of both the reward service and the pass-through
     * @param bytesPerToken UTF-8 bytes of completion text per token id and log-prob in the rollout
     *                      records: 1 as with the byte tokenizer, about 4 with a subword tokenizer
     */
    public record Settings(Path dataset, int groups, int groupSize, Duration minDuration, int streamThreads,
            int bytesPerToken) {
        public static Settings standard(Path dataset, int streamThreads, int bytesPerToken) {
            return new Settings(dataset, 8_000 * Math.min(bytesPerToken, 4), 8, Duration.ofSeconds(5), streamThreads,
                    bytesPerToken);
        }

        public static Settings quick(Path dataset, int streamThreads, int bytesPerToken) {
            return new Settings(dataset, 50, 4, Duration.ofMillis(300), streamThreads, bytesPerToken);
        }
    }

    /** A completion and the reference result it is graded against. */
    record Sample(String completion, String reference) {
    }

    /** Runs every measurement and returns the figures by name, in the order they were measured. */
    public Map<String, Object> run(Settings settings, Consumer<String> progress) throws Exception {
        List<Sample> samples = samples(settings.dataset());
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("completions", samples.size());
        figures.put("completion_chars_mean", round(samples.stream().mapToInt(s -> s.completion().length())
                .average().orElse(0)));
        progress.accept("Grading " + samples.size() + " completions in process...");
        int cores = Runtime.getRuntime().availableProcessors();
        figures.put("grading_completions_per_second_per_core", round(gradingRate(samples, 1, settings.minDuration())));
        figures.put("grading_threads", cores);
        figures.put("grading_completions_per_second_all_threads",
                round(gradingRate(samples, cores, settings.minDuration())));

        progress.accept("Starting a local Kafka broker...");
        Path state = Files.createTempDirectory("reasonflow-bench-");
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            String servers = broker.bootstrapServers();
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(30));
            createOutputTopics(servers);
            int groups = publish(servers, samples, settings);
            progress.accept("Sent " + groups + " groups of " + settings.groupSize() + "; timing the pass-through...");
            int threads = settings.streamThreads();
            double passThrough = passThroughRate(servers, groups, threads, state.resolve("pass-through"));
            progress.accept("Timing the reward service...");
            double service = serviceRate(servers, groups, threads, state.resolve("reward"));
            figures.put("groups", groups);
            figures.put("stream_threads", threads);
            figures.put("group_size", settings.groupSize());
            figures.put("bytes_per_token", settings.bytesPerToken());
            figures.put("pass_through_groups_per_second", round(passThrough));
            figures.put("service_groups_per_second", round(service));
            figures.put("service_completions_per_second", round(service * settings.groupSize()));
            figures.put("service_vs_pass_through", round(service / passThrough));
        } finally {
            FileSystemUtils.deleteRecursively(state);
        }
        return figures;
    }

    private static List<Sample> samples(Path dataset) {
        List<Sample> samples = new ArrayList<>();
        List<TaskExample> examples = new Gsm8kReader().read(dataset);
        for (int i = 0; i < examples.size(); i++) {
            TaskExample example = examples.get(i);
            String completion = example.referenceCompletion();
            if (completion == null) {
                continue;
            }
            if (i % 2 == 1) {
                completion = completion.replace("<answer>" + example.answer() + "</answer>",
                        "<answer>" + example.answer() + "1</answer>");
            }
            samples.add(new Sample(completion, example.answer()));
        }
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no example with a reference solution in " + dataset
                    + "; pass a GSM8K JSONL file with --dataset");
        }
        return samples;
    }

    /** Completions graded per second by {@code threads} threads, each with its own graders. */
    private static double gradingRate(List<Sample> samples, int threads, Duration minDuration) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int offset = t * samples.size() / threads;
                results.add(pool.submit(() -> gradeFor(samples, offset, minDuration)));
            }
            double rate = 0;
            for (Future<long[]> result : results) {
                long[] countAndNanos = result.get();
                rate += countAndNanos[0] / (countAndNanos[1] / 1e9);
            }
            return rate;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Grades one warm-up pass, then for at least {@code minDuration}; returns {count, nanoseconds}. */
    private static long[] gradeFor(List<Sample> samples, int offset, Duration minDuration) {
        AccuracyGrader accuracy = new AccuracyGrader();
        FormatGrader format = FormatGrader.strict();
        double checksum = 0;
        for (Sample sample : samples) {
            checksum += score(accuracy, format, sample);
        }
        long count = 0;
        long started = System.nanoTime();
        long elapsed;
        do {
            for (int i = 0; i < samples.size(); i++) {
                checksum += score(accuracy, format, samples.get((offset + i) % samples.size()));
            }
            count += samples.size();
            elapsed = System.nanoTime() - started;
        } while (elapsed < minDuration.toNanos());
        if (checksum < 0) {
            throw new IllegalStateException("negative scores from accuracy and format");
        }
        return new long[] {count, elapsed};
    }

    private static double score(AccuracyGrader accuracy, FormatGrader format, Sample sample) {
        Double correct = accuracy.grade(sample.completion(), sample.reference());
        Double formatted = format.grade(sample.completion(), sample.reference());
        return (correct == null ? 0 : correct) + (formatted == null ? 0 : formatted);
    }

    /** Sends {@code groups} rollout groups built from the samples; returns how many were sent. */
    static int publish(String servers, List<Sample> samples, Settings settings) {
        int groups = settings.groups();
        int groupSize = settings.groupSize();
        SamplingSettings sampling = new SamplingSettings(groupSize, 1.0, 1.0, 0, 512, List.of("</answer>"));
        Random random = new Random(7);
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        List<Future<RecordMetadata>> sends = new ArrayList<>(groups);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int g = 0; g < groups; g++) {
                Sample first = samples.get((g * groupSize) % samples.size());
                String id = String.format(Locale.ROOT, "bench-%06d", g);
                PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "bench", id, "p-" + g, "gsm8k",
                        "User: question\nAssistant: ", first.reference(), Purpose.TRAIN, sampling, 0);
                List<Completion> completions = new ArrayList<>();
                for (int c = 0; c < groupSize; c++) {
                    Sample sample = samples.get((g * groupSize + c) % samples.size());
                    completions.add(completion(sample.completion(), settings.bytesPerToken(), random));
                }
                RolloutGroup group = new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 1, "bench", completions);
                sends.add(producer.send(new ProducerRecord<>(Topics.ROLLOUTS.name(), id, Messages.encode(group))));
            }
            producer.flush();
            for (Future<RecordMetadata> send : sends) {
                try {
                    send.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("sending rollout groups to the local broker failed: "
                            + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while sending rollout groups", e);
                }
            }
        }
        return groups;
    }

    /** Builds a completion with one token per {@code bytesPerToken} UTF-8 bytes of its text. */
    private static Completion completion(String text, int bytesPerToken, Random random) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int count = (bytes.length + bytesPerToken - 1) / bytesPerToken;
        int[] tokens = new int[count];
        double[] logProbs = new double[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = bytes[i * bytesPerToken] & 0xff;
            // Float32 values, as the sampler computes them, so the records take the packed form.
            logProbs[i] = -random.nextFloat();
        }
        return new Completion(text, tokens, logProbs, FinishReason.STOP);
    }

    static void createOutputTopics(String servers) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            NewTopic passThrough = new NewTopic(PASS_THROUGH_TOPIC, TopicSetup.WORK_PARTITIONS, (short) 1)
                    .configs(Map.of("message.timestamp.type", "LogAppendTime"));
            admin.createTopics(List.of(passThrough)).all().get();
            admin.incrementalAlterConfigs(Map.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, Topics.SCORED.name()),
                    List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                            new org.apache.kafka.clients.admin.ConfigEntry("message.timestamp.type", "LogAppendTime"),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    static double passThroughRate(String servers, int groups, int threads, Path stateDir) {
        return passThroughRate(servers, groups, threads, stateDir, "reasonflow-bench-pass-through");
    }

    /** Runs a pass-through with its own application id, so that it reads the input from the start. */
    static double passThroughRate(String servers, int groups, int threads, Path stateDir, String applicationId) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(Topics.ROLLOUTS.name(), Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .to(PASS_THROUGH_TOPIC, Produced.with(Serdes.String(), Serdes.ByteArray()));
        Properties config = new Properties();
        config.putAll(RewardStreamsConfiguration.streamsConfig(new RewardProperties.Streams(
                applicationId, stateDir, threads, null), servers));
        Map<TopicPartition, Long> from = endOffsets(servers, PASS_THROUGH_TOPIC);
        try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
            streams.start();
            return outputRate(servers, PASS_THROUGH_TOPIC, groups, from);
        }
    }

    static double serviceRate(String servers, int groups, int threads, Path stateDir) {
        return serviceRate(servers, groups, threads, stateDir, "reasonflow-reward");
    }

    /** Runs the reward service with its own application id, so that it reads the input from the start. */
    static double serviceRate(String servers, int groups, int threads, Path stateDir, String applicationId) {
        Map<TopicPartition, Long> from = endOffsets(servers, Topics.SCORED.name());
        try (ConfigurableApplicationContext reward = RewardApplication.builder().registerShutdownHook(false)
                .run("--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                        "--reasonflow.reward.streams.application-id=" + applicationId,
                        "--reasonflow.reward.streams.state-dir=" + stateDir,
                        "--reasonflow.reward.streams.threads=" + threads,
                        "--reasonflow.reward.weights.accuracy=1.0", "--reasonflow.reward.weights.format=0.2")) {
            return outputRate(servers, Topics.SCORED.name(), groups, from);
        }
    }

    /** Returns the end offsets of {@code topic} now, where a measurement of the records written next starts. */
    private static Map<TopicPartition, Long> endOffsets(String servers, String topic) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            return consumer.endOffsets(partitions);
        }
    }

    /**
     * Waits until {@code expected} committed records are on {@code topic} after the offsets {@code from} and returns
     * records per second over the second half of them, by append time. The first half warms up the JIT compiler.
     */
    private static double outputRate(String servers, String topic, int expected, Map<TopicPartition, Long> from) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            partitions.forEach(partition -> consumer.seek(partition, from.getOrDefault(partition, 0L)));
            long[] appendTimes = new long[expected];
            int count = 0;
            // Generous for this machine's slowest figures, and bounded: about 30 s plus 10 ms a record.
            Duration limit = Duration.ofSeconds(30).plusMillis(10L * expected);
            long deadline = System.nanoTime() + limit.toNanos();
            while (count < expected) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + count + " of " + expected + " records reached "
                            + topic + " within " + limit.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (count < expected) {
                        appendTimes[count] = record.timestamp();
                    }
                    count++;
                }
            }
            Arrays.sort(appendTimes);
            int half = expected / 2;
            long span = appendTimes[expected - 1] - appendTimes[half];
            return (expected - 1 - half) / Math.max(1e-3, span / 1000.0);
        }
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
