package io.reasonflow.pipeline.bench;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.pipeline.LocalPipeline;
import io.reasonflow.pipeline.broker.LocalKafkaBroker;
import io.reasonflow.pipeline.broker.TopicSetup;
import io.reasonflow.rollout.PolicyFollower;
import io.reasonflow.rollout.RolloutApplication;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.arithmetic.ArithmeticTask;
import io.reasonflow.tasks.arithmetic.Difficulty;
import io.reasonflow.trainer.TrainerApplication;
import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.io.TrainerIo;
import io.reasonflow.trainer.policy.PolicyVersions;
import io.reasonflow.trainer.run.TrainingRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;

/**
 * Measures the pipeline's own cost, in one run, so that every ratio compares figures taken minutes apart on the
 * same machine:
 *
 * <ul>
 *   <li>{@code pipeline_overhead}: GRPO steps per second of the real services over a local broker with staleness
 *       bound 0, over the same run with the same classes called on one thread without a broker;</li>
 *   <li>{@code async_speedup}: steps per second over the broker with staleness bound 1 over bound 0;</li>
 *   <li>{@code kafka_bytes_per_token}: bytes that the rollout records take in the broker's log (the record batches
 *       as the producer sent them), per generated token, over 8 (a 4-byte id and a 4-byte log-prob);</li>
 *   <li>{@code weight_sync}: seconds per MB from publishing a policy version to the rollout service having
 *       verified, loaded and swapped it in, over seconds per MB to send the same bytes with a plain producer;</li>
 *   <li>{@code reward_vs_passthrough}: scored groups per second of the reward service over groups per second copied
 *       by an exactly-once Kafka Streams pass-through of the same topic, on a broker of their own.</li>
 * </ul>
 */
public final class PipelineBenchmark {
    private static final String PLAIN_WEIGHTS_TOPIC = "bench.plain-weights";
    private static final int CHUNK_BYTES = 512 * 1024;
    /** Hidden size, layers, heads, key/value heads and intermediate size of the weight-sync model (4.4M parameters). */
    private static final int[] WEIGHT_MODEL = {256, 6, 8, 4, 688};
    private static final Map<String, Double> REWARD_WEIGHTS = Map.of("accuracy", 1.0, "format", 0.2);

    /**
     * Benchmark settings.
     *
     * @param rounds         rounds of the three training runs (in process, staleness bound 0 and 1), taken in turn
     * @param steps          GRPO steps of each training run
     * @param warmupSteps    first steps of each run left out of its rate
     * @param groupsPerStep  prompt groups per GRPO step
     * @param groupSize      completions per group
     * @param maxNewTokens   tokens per completion at most
     * @param policy         hidden size, layers, heads, key/value heads and intermediate size of the trained policy
     * @param weightModel    the same for the model of the weight-sync measurement
     * @param weightRepeats  timed policy versions (and plain sends) of the weight-sync measurement
     * @param rewardGroups   rollout groups of the reward service measurement
     */
    public record Settings(int rounds, int steps, int warmupSteps, int groupsPerStep, int groupSize, int maxNewTokens,
            int[] policy, int[] weightModel, int weightRepeats, int rewardGroups) {
        /**
         * Returns settings that time training steps of the full demo's size: its policy (hidden size 128, 4 layers)
         * and 8 groups of 8 completions of at most 96 tokens, about 1.7 s per step in process.
         */
        public static Settings standard() {
            return new Settings(2, 8, 2, 8, 8, 96, new int[] {128, 4, 4, 2, 344}, WEIGHT_MODEL, 9, 10_000);
        }

        /**
         * Returns settings that time short training steps: the smoke demo's policy (hidden size 64, 2 layers) and 4
         * groups of 8 completions of at most 48 tokens, about 0.15 s per step in process. The broker's fixed cost
         * per step weighs most here.
         */
        public static Settings smallSteps() {
            return new Settings(3, 10, 2, 4, 8, 48, new int[] {64, 2, 4, 2, 172}, WEIGHT_MODEL, 9, 10_000);
        }

        public static Settings quick() {
            return new Settings(1, 3, 1, 2, 2, 8, new int[] {32, 1, 2, 1, 64}, new int[] {32, 1, 2, 1, 64}, 1, 40);
        }
    }

    /** Timed GRPO steps of one or more training runs, their seconds and their summed staleness. */
    private record RunRate(int steps, double seconds, double staleness) {
        double stepsPerSecond() {
            return steps / seconds;
        }

        double meanStaleness() {
            return staleness / steps;
        }

        static RunRate combine(List<RunRate> runs) {
            return new RunRate(runs.stream().mapToInt(RunRate::steps).sum(),
                    runs.stream().mapToDouble(RunRate::seconds).sum(),
                    runs.stream().mapToDouble(RunRate::staleness).sum());
        }
    }

    /** Runs every measurement in a temporary directory and returns the figures by name. */
    public Map<String, Object> run(Settings settings, Consumer<String> progress) throws Exception {
        return run(settings, null, EnumSet.allOf(Part.class), progress);
    }

    /** The measurements that one run can be limited to. */
    public enum Part {
        /** Training in process and over the broker: pipeline_overhead, async_speedup, kafka_bytes_per_token. */
        TRAINING,
        /** weight_sync. */
        WEIGHTS,
        /** reward_vs_passthrough. */
        REWARD
    }

    /**
     * Runs the measurements of {@code parts} and returns the figures by name.
     *
     * @param keep directory that keeps the training runs' output ({@code in-process}, {@code sync}, {@code async}),
     *             or null to use a temporary directory and delete it
     */
    public Map<String, Object> run(Settings settings, Path keep, Set<Part> parts, Consumer<String> progress)
            throws Exception {
        Map<String, Object> figures = new LinkedHashMap<>();
        Path work = keep != null ? Files.createDirectories(keep)
                : Files.createTempDirectory("reasonflow-bench-pipeline-");
        try {
            if (parts.contains(Part.TRAINING) || parts.contains(Part.WEIGHTS)) {
                try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
                    String servers = broker.bootstrapServers();
                    TopicSetup.ensureTopics(servers, Duration.ofSeconds(30));
                    if (parts.contains(Part.TRAINING)) {
                        training(servers, settings, work, figures, progress);
                    }
                    if (parts.contains(Part.WEIGHTS)) {
                        progress.accept("Timing weight sync...");
                        double[] weightFigures = weightSync(servers, settings, work.resolve("weights"));
                        figures.put("weight_file_mb", round(weightFigures[0]));
                        figures.put("weight_sync_seconds_per_mb", round4(weightFigures[1]));
                        figures.put("plain_send_seconds_per_mb", round4(weightFigures[2]));
                        figures.put("weight_sync", round(weightFigures[1] / weightFigures[2]));
                    }
                }
            }
            if (parts.contains(Part.REWARD)) {
                progress.accept("Timing the reward service against a pass-through, on a fresh broker...");
                double[] reward = rewardThroughput(settings, work.resolve("reward"));
                figures.put("reward_groups", settings.rewardGroups());
                figures.put("pass_through_groups_per_second", round(reward[0]));
                figures.put("reward_groups_per_second", round(reward[1]));
                figures.put("reward_vs_passthrough", round(reward[1] / reward[0]));
            }
        } finally {
            if (keep == null) {
                FileSystemUtils.deleteRecursively(work);
            } else {
                FileSystemUtils.deleteRecursively(work.resolve("weights"));
                FileSystemUtils.deleteRecursively(work.resolve("reward"));
            }
        }
        return figures;
    }

    /** Runs the training rounds in process and over the broker, and adds their figures. */
    private static void training(String servers, Settings settings, Path work, Map<String, Object> figures,
            Consumer<String> progress) throws Exception {
        // Rounds of the three runs in turn, so that a change in the machine's load falls on all three.
        List<RunRate> inProcessRuns = new ArrayList<>();
        List<RunRate> syncRuns = new ArrayList<>();
        List<RunRate> asyncRuns = new ArrayList<>();
        long[] rollouts = null;
        for (int round = 1; round <= settings.rounds(); round++) {
            String tag = "-r" + round;
            progress.accept("Round " + round + " of " + settings.rounds() + ": training in process, without "
                    + "a broker (staleness bound 0)...");
            inProcessRuns.add(inProcessRun(settings, work.resolve("in-process" + tag), tag));
            progress.accept("Round " + round + ": training over the broker, staleness bound 0...");
            syncRuns.add(pipelineRun(servers, settings, 0, work.resolve("sync" + tag), tag));
            if (rollouts == null) {
                rollouts = rolloutBytesAndTokens(servers);
            }
            progress.accept("Round " + round + ": training over the broker, staleness bound 1...");
            asyncRuns.add(pipelineRun(servers, settings, 1, work.resolve("async" + tag), tag));
        }
        RunRate inProcess = RunRate.combine(inProcessRuns);
        RunRate sync = RunRate.combine(syncRuns);
        RunRate async = RunRate.combine(asyncRuns);
        figures.put("in_process_steps_per_second", round(inProcess.stepsPerSecond()));
        figures.put("sync_steps_per_second", round(sync.stepsPerSecond()));
        figures.put("async_steps_per_second", round(async.stepsPerSecond()));
        figures.put("async_mean_staleness", round(async.meanStaleness()));
        figures.put("pipeline_overhead", round(sync.stepsPerSecond() / inProcess.stepsPerSecond()));
        figures.put("async_speedup", round(async.stepsPerSecond() / sync.stepsPerSecond()));
        figures.put("rollout_tokens", rollouts[1]);
        figures.put("rollout_log_bytes", rollouts[0]);
        figures.put("rollout_value_bytes", rollouts[2]);
        double bytesPerToken = (double) rollouts[0] / Math.max(1, rollouts[1]);
        figures.put("rollout_value_bytes_per_token", round((double) rollouts[2] / Math.max(1, rollouts[1])));
        figures.put("rollout_log_bytes_per_token", round(bytesPerToken));
        figures.put("kafka_bytes_per_token", round(bytesPerToken / 8.0));
    }

    /** Trainer settings of one benchmark run, without the prefix {@code reasonflow.trainer.}. */
    static Map<String, String> trainerSettings(Settings settings, String runId, Path out, int stalenessBound) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("run-id", runId);
        s.put("output-dir", out.toAbsolutePath().toString());
        s.put("seed", "7");
        s.put("group-timeout", "5m");
        s.put("task.name", "arithmetic");
        s.put("task.digits", "2");
        s.put("task.train-examples", "400");
        s.put("task.eval-examples", "4");
        int[] p = settings.policy();
        s.put("model.hidden-size", Integer.toString(p[0]));
        s.put("model.layers", Integer.toString(p[1]));
        s.put("model.heads", Integer.toString(p[2]));
        s.put("model.kv-heads", Integer.toString(p[3]));
        s.put("model.intermediate-size", Integer.toString(p[4]));
        s.put("sft.steps", "1");
        s.put("sft.batch-size", "4");
        s.put("grpo.steps", Integer.toString(settings.steps()));
        s.put("grpo.groups-per-step", Integer.toString(settings.groupsPerStep()));
        s.put("grpo.group-size", Integer.toString(settings.groupSize()));
        s.put("grpo.max-new-tokens", Integer.toString(settings.maxNewTokens()));
        s.put("grpo.staleness-bound", Integer.toString(stalenessBound));
        s.put("eval.samples", "1");
        s.put("eval.max-new-tokens", "8");
        s.put("checkpoint-every", "0");
        return s;
    }

    private static RunRate pipelineRun(String servers, Settings settings, int stalenessBound, Path out, String tag)
            throws Exception {
        String runId = "bench-staleness-" + stalenessBound + tag;
        Map<String, String> reward = new LinkedHashMap<>();
        REWARD_WEIGHTS.forEach((name, weight) -> reward.put("weights." + name, weight.toString()));
        LocalPipeline.run(servers, trainerSettings(settings, runId, out, stalenessBound), reward, line -> { });
        return rate(out, settings.warmupSteps());
    }

    private static RunRate inProcessRun(Settings settings, Path out, String tag) throws Exception {
        String runId = "bench-in-process" + tag;
        TrainerProperties properties = trainerProperties(trainerSettings(settings, runId, out, 0));
        Properties rollout = serviceDefaults(RolloutApplication.class, "rollout-service.properties");
        int maxBatchSequences = Integer.parseInt(rollout.getProperty("reasonflow.rollout.max-batch-sequences"));
        long seed = Long.parseLong(rollout.getProperty("reasonflow.rollout.seed"));
        try (InProcessTrainerIo io = new InProcessTrainerIo(runId, maxBatchSequences, seed, REWARD_WEIGHTS)) {
            new TrainingRun(properties, io).run(line -> { });
        }
        return rate(out, settings.warmupSteps());
    }

    /** Binds trainer settings over the defaults of {@code trainer-service.properties}, as the service does. */
    static TrainerProperties trainerProperties(Map<String, String> settings) {
        Map<String, Object> values = new HashMap<>();
        serviceDefaults(TrainerApplication.class, TrainerApplication.CONFIG_NAME + ".properties")
                .forEach((key, value) -> {
                    if (key.toString().startsWith("reasonflow.trainer.")) {
                        values.put(key.toString(), value);
                    }
                });
        settings.forEach((key, value) -> values.put("reasonflow.trainer." + key, value));
        Binder binder = new Binder(List.of(new MapConfigurationPropertySource(values)), null,
                ApplicationConversionService.getSharedInstance());
        return binder.bind("reasonflow.trainer", Bindable.of(TrainerProperties.class)).get();
    }

    private static Properties serviceDefaults(Class<?> service, String resource) {
        Properties properties = new Properties();
        try (InputStream in = service.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + ": " + e.getMessage(), e);
        }
        return properties;
    }

    /** Steps per second over the steps after the warm-up, from the run's {@code metrics.jsonl}. */
    private static RunRate rate(Path out, int warmupSteps) throws IOException {
        double seconds = 0;
        double staleness = 0;
        int steps = 0;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode step = Messages.mapper().readTree(line);
            if (step.get("step").asInt() <= warmupSteps) {
                continue;
            }
            seconds += step.get("step_seconds").asDouble();
            staleness += step.get("staleness").asDouble();
            steps++;
        }
        if (steps == 0) {
            throw new IllegalStateException("no GRPO step after the warm-up in " + out.resolve("metrics.jsonl"));
        }
        return new RunRate(steps, seconds, staleness);
    }

    /**
     * Returns the bytes that {@code reasonflow.rollouts} takes in the broker's log, the tokens of the groups in it
     * and the sum of the record values' sizes.
     */
    private static long[] rolloutBytesAndTokens(String servers) throws Exception {
        long logBytes = 0;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(node -> node.id()).toList();
            for (Map<String, LogDirDescription> byDir : admin.describeLogDirs(brokers).allDescriptions().get()
                    .values()) {
                for (LogDirDescription dir : byDir.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> replica : dir.replicaInfos().entrySet()) {
                        if (replica.getKey().topic().equals(Topics.ROLLOUTS.name())) {
                            logBytes += replica.getValue().size();
                        }
                    }
                }
            }
        }
        long tokens = 0;
        long valueBytes = 0;
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ROLLOUTS.name()).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + Topics.ROLLOUTS.name() + " to its end");
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    valueBytes += record.serializedValueSize() + Math.max(0, record.serializedKeySize());
                    RolloutGroup group = Topics.ROLLOUTS.decode(record.value());
                    tokens += group.completions().stream().mapToLong(c -> c.tokenIds().length).sum();
                }
            }
        }
        return new long[] {logBytes, tokens, valueBytes};
    }

    /**
     * Publishes policy versions with the trainer's {@link PolicyVersions} to a running rollout service and times
     * each until the service has verified, loaded and swapped it in; then sends the same bytes with a plain
     * producer. Returns {MB of the weight file, median sync seconds per MB, median plain seconds per MB}.
     */
    private static double[] weightSync(String servers, Settings settings, Path out) throws Exception {
        String runId = "bench-weights";
        int[] m = settings.weightModel();
        ByteTokenizer tokenizer = new ByteTokenizer();
        ModelConfig config = new ModelConfig(tokenizer.vocabSize(), m[0], m[1], m[2], m[3], m[4], 512, 10000.0, 1e-5,
                true, tokenizer.bosId(), tokenizer.eosId());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            admin.createTopics(List.of(new NewTopic(PLAIN_WEIGHTS_TOPIC, 1, (short) 1))).all().get();
        }
        List<ConfigurableApplicationContext> contexts = new ArrayList<>();
        try (PolicyModel model = PolicyModel.initialize(config, 11)) {
            contexts.add(RolloutApplication.builder().registerShutdownHook(false).run(
                    "--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                    "--reasonflow.rollout.run-id=" + runId, "--reasonflow.rollout.worker-id=" + runId + "-rollout"));
            ConfigurableApplicationContext trainer = TrainerApplication.builder().registerShutdownHook(false).run(
                    "--spring.kafka.bootstrap-servers=" + servers, "--server.port=0",
                    "--reasonflow.trainer.run-id=" + runId, "--reasonflow.trainer.output-dir=" + out);
            contexts.add(trainer);
            PolicyFollower follower = contexts.get(0).getBean(PolicyFollower.class);
            PolicyVersions versions = new PolicyVersions(trainer.getBean(TrainerIo.class), runId);
            byte[] weights = model.toSafetensors();
            double mb = weights.length / 1e6;
            // Version 0 warms up both paths and the follower's consumers.
            syncOnce(versions, follower, model);
            plainSend(servers, weights);
            double[] sync = new double[settings.weightRepeats()];
            double[] plain = new double[settings.weightRepeats()];
            for (int i = 0; i < sync.length; i++) {
                plain[i] = plainSend(servers, weights) / mb;
                sync[i] = syncOnce(versions, follower, model) / mb;
            }
            return new double[] {mb, median(sync), median(plain)};
        } finally {
            for (int i = contexts.size() - 1; i >= 0; i--) {
                contexts.get(i).close();
            }
        }
    }

    /** Seconds from publishing the next version until the follower has swapped it in. */
    private static double syncOnce(PolicyVersions versions, PolicyFollower follower, PolicyModel model)
            throws Exception {
        long start = System.nanoTime();
        long version = versions.publish(model, 0);
        PolicyFollower.LoadedPolicy loaded = follower.policyForNextBatch(version, Duration.ofSeconds(120));
        long nanos = System.nanoTime() - start;
        if (loaded.version() != version) {
            throw new IllegalStateException("the rollout service swapped in version " + loaded.version() + ", expected "
                    + version);
        }
        return nanos / 1e9;
    }

    /** Seconds to send {@code weights} in chunks of 512 KiB with a plain producer and have the broker store them. */
    private static double plainSend(String servers, byte[] weights) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.partitionsFor(PLAIN_WEIGHTS_TOPIC);
            long start = System.nanoTime();
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int from = 0; from < weights.length; from += CHUNK_BYTES) {
                byte[] chunk = Arrays.copyOfRange(weights, from, Math.min(weights.length, from + CHUNK_BYTES));
                sends.add(producer.send(new ProducerRecord<>(PLAIN_WEIGHTS_TOPIC, chunk)));
            }
            for (Future<RecordMetadata> send : sends) {
                send.get(60, TimeUnit.SECONDS);
            }
            return (System.nanoTime() - start) / 1e9;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("plain send of the weights failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending the weights", e);
        }
    }

    /** Returns {pass-through groups per second, reward service groups per second} on a fresh broker. */
    private static double[] rewardThroughput(Settings settings, Path state) throws Exception {
        List<GradingBenchmark.Sample> samples = new ArrayList<>();
        List<TaskExample> examples = new ArithmeticTask(new Difficulty(2, 3,
                java.util.EnumSet.allOf(io.reasonflow.tasks.arithmetic.Operation.class))).generate(5, 500);
        for (int i = 0; i < examples.size(); i++) {
            TaskExample example = examples.get(i);
            String completion = example.referenceCompletion();
            if (i % 2 == 1) {
                completion = completion.replace("<answer>" + example.answer() + "</answer>",
                        "<answer>" + example.answer() + "1</answer>");
            }
            samples.add(new GradingBenchmark.Sample(completion, example.answer()));
        }
        GradingBenchmark.Settings grading = new GradingBenchmark.Settings(null, settings.rewardGroups(), 8,
                Duration.ZERO, 1, 1);
        try (LocalKafkaBroker broker = LocalKafkaBroker.start()) {
            String servers = broker.bootstrapServers();
            TopicSetup.ensureTopics(servers, Duration.ofSeconds(30));
            GradingBenchmark.createOutputTopics(servers);
            int groups = GradingBenchmark.publish(servers, samples, grading);
            // Each in turn, twice, and the faster of each pair counts, so that a burst of load on the shared
            // machine during one measurement does not decide the ratio.
            double passThrough = 0;
            double service = 0;
            for (int round = 1; round <= 2; round++) {
                passThrough = Math.max(passThrough, GradingBenchmark.passThroughRate(servers, groups, 1,
                        state.resolve("pass-through-" + round), "reasonflow-bench-pass-through-" + round));
                service = Math.max(service, GradingBenchmark.serviceRate(servers, groups, 1,
                        state.resolve("reward-" + round), "reasonflow-bench-reward-" + round));
            }
            return new double[] {passThrough, service};
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static double round4(double value) {
        return Math.round(value * 10000) / 10000.0;
    }
}
