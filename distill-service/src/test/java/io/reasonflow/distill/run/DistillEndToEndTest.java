package io.reasonflow.distill.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PolicyChunk;
import io.reasonflow.contracts.PolicyManifest;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.contracts.Topics;
import io.reasonflow.distill.DistillApplication;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import io.reasonflow.reward.GroupScorer;
import io.reasonflow.rollout.PolicyAssembler;
import io.reasonflow.service.DeadLetters;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.prompt.PromptTemplate;
import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.policy.PolicyPublisher;
import io.reasonflow.trainer.policy.PolicyVersions;
import io.reasonflow.trainer.run.PromptFactory;
import io.reasonflow.trainer.run.TaskData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The distill service on an embedded KRaft broker. It reads a teacher's policy version and the scored groups that
 * a trainer and a reward service would have written, and keeps the right traces. It trains a student and
 * publishes it as a policy version that the rollout service's verification accepts, and both evaluations.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DistillEndToEndTest {
    private static final String TEACHER_RUN = "teacher-e2e";
    private static final String STUDENT_RUN = "student-e2e";
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final TrainerProperties.Task TASK = new TrainerProperties.Task("arithmetic", null, null, 2, 40, 4,
            384);
    private static final long SEED = 7;

    private static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 2, Topics.allNames().toArray(String[]::new));
        broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void scoredGroupsToPublishedStudent(@TempDir Path output) throws Exception {
        TaskData data = TaskData.load(TASK, SEED, TOKENIZER, new PromptFactory(TEACHER_RUN,
                PromptTemplate.R1_ZERO_COMPACT, SEED));
        ModelConfig teacherConfig = new ModelConfig(TOKENIZER.vocabSize(), 32, 2, 4, 2, 86, 512, 10_000.0, 1e-5, true,
                TOKENIZER.bosId(), TOKENIZER.eosId());
        try (KafkaProducer<String, byte[]> producer = producer();
                PolicyModel older = PolicyModel.initialize(teacherConfig, 1);
                PolicyModel teacher = PolicyModel.initialize(teacherConfig, 2)) {
            PolicyVersions versions = new PolicyVersions(new ProducerPublisher(producer), TEACHER_RUN);
            assertThat(versions.publish(older, 0)).isZero();
            assertThat(versions.publish(teacher, 1)).isEqualTo(1);
            publishScoredGroups(producer, data);
            producer.send(new ProducerRecord<>(Topics.SCORED.name(), "broken-1",
                    "{not json".getBytes(StandardCharsets.UTF_8))).get();

            Map<String, Object> summary;
            List<String> lines = new ArrayList<>();
            try (ConfigurableApplicationContext context = DistillApplication.builder().registerShutdownHook(false)
                    .run(arguments(output))) {
                summary = context.getBean(DistillRun.class).run(lines::add);
            }

            assertSelection(summary, output);
            assertThat(summary.get("teacher_version")).isEqualTo(1L);
            assertThat(summary.get("teacher_parameters")).isEqualTo(teacher.parameterCount());
            assertThat(Files.readAllLines(output.resolve("metrics.jsonl"))).hasSize(4);
            assertThat(output.resolve("checkpoints/student/model.safetensors")).isRegularFile();
            assertThat(lines).anyMatch(line -> line.startsWith("Selection: kept 6 of 28 completions"));

            PolicyModel student = assembledStudent();
            assertThat(student.parameterCount()).isEqualTo(summary.get("student_parameters"));
            assertThat(student.config().hiddenSize()).isEqualTo(16);
            student.close();
            assertEvaluations(output);
            assertDeadLetter();
        }
    }

    private static String[] arguments(Path output) {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("spring.kafka.bootstrap-servers", broker.getBrokersAsString());
        settings.put("server.port", "0");
        settings.put("reasonflow.distill.run-id", STUDENT_RUN);
        settings.put("reasonflow.distill.output-dir", output.toString());
        settings.put("reasonflow.distill.seed", Long.toString(SEED));
        settings.put("reasonflow.distill.group-timeout", "60s");
        settings.put("reasonflow.distill.teacher.run", TEACHER_RUN);
        settings.put("reasonflow.distill.training.steps", "4");
        settings.put("reasonflow.distill.training.batch-size", "4");
        settings.put("reasonflow.distill.training.kl-weight", "0.5");
        settings.put("reasonflow.distill.student.max-parameter-ratio", "0.5");
        settings.put("reasonflow.distill.eval.samples", "2");
        settings.put("reasonflow.distill.eval.max-new-tokens", "12");
        settings.put("reasonflow.distill.task.train-examples", Integer.toString(TASK.trainExamples()));
        settings.put("reasonflow.distill.task.eval-examples", Integer.toString(TASK.evalExamples()));
        return settings.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }

    /**
     * Publishes, for six training prompts, a group of version 1 with a correct trace, its duplicate, a wrong answer
     * and a truncated completion. Around them: a held-out prompt with four correct traces, a group of version 0,
     * an evaluation group and a group of another run, none of which may be kept.
     */
    private static void publishScoredGroups(KafkaProducer<String, byte[]> producer, TaskData data) throws Exception {
        GroupScorer scorer = new GroupScorer(Map.of("accuracy", 1.0, "format", 0.2));
        List<RolloutGroup> groups = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            TaskExample example = data.train().get(i);
            String right = example.referenceCompletion();
            String wrong = right.replace("<answer>" + example.answer() + "</answer>", "<answer>-1</answer>");
            groups.add(group(TEACHER_RUN, "train-" + i, example, Purpose.TRAIN, 1,
                    List.of(completion(right, FinishReason.STOP), completion(right, FinishReason.STOP),
                            completion(wrong, FinishReason.STOP), completion(right, FinishReason.LENGTH))));
        }
        TaskExample heldOut = data.eval().get(0);
        List<Completion> fourRight = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fourRight.add(completion(heldOut.referenceCompletion(), FinishReason.STOP));
        }
        groups.add(group(TEACHER_RUN, "held-out", heldOut, Purpose.TRAIN, 1, fourRight));
        TaskExample other = data.train().get(7);
        List<Completion> oneRight = List.of(completion(other.referenceCompletion(), FinishReason.STOP));
        groups.add(group(TEACHER_RUN, "older", other, Purpose.TRAIN, 0, oneRight));
        groups.add(group(TEACHER_RUN, "eval", other, Purpose.EVAL, 1, oneRight));
        groups.add(group("another-run", "other-run", other, Purpose.TRAIN, 1, oneRight));
        for (RolloutGroup group : groups) {
            ScoredGroup scored = scorer.score(group);
            producer.send(new ProducerRecord<>(Topics.SCORED.name(), group.groupId(), Messages.encode(scored))).get();
        }
    }

    private static RolloutGroup group(String run, String name, TaskExample example, Purpose purpose, long version,
            List<Completion> completions) {
        SamplingSettings sampling = new SamplingSettings(completions.size(), 1.0, 1.0, 0, 128, PromptFactory.STOP);
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, run, run + "-" + name, example.id(),
                example.task(), PromptTemplate.R1_ZERO_COMPACT.render(example.question()), example.answer(), purpose,
                sampling, version);
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, version, "test-worker", completions);
    }

    private static Completion completion(String text, FinishReason finish) {
        int[] ids = TOKENIZER.encode(text);
        double[] logProbs = new double[ids.length];
        Arrays.fill(logProbs, -0.5);
        return new Completion(text, ids, logProbs, finish);
    }

    @SuppressWarnings("unchecked")
    private static void assertSelection(Map<String, Object> summary, Path output) throws Exception {
        Map<String, Object> selection = (Map<String, Object>) summary.get("selection");
        assertThat(selection.get("groups")).isEqualTo(7L);
        assertThat(selection.get("groups_other_version")).isEqualTo(1L);
        assertThat(selection.get("completions")).isEqualTo(28L);
        assertThat(selection.get("kept")).isEqualTo(6L);
        assertThat(selection.get("prompts_kept")).isEqualTo(6L);
        Map<String, Object> dropped = (Map<String, Object>) selection.get("dropped");
        assertThat(dropped).containsEntry("truncated", 6L).containsEntry("incorrect", 6L)
                .containsEntry("duplicate", 6L).containsEntry("held_out", 4L).containsEntry("too_long", 0L)
                .containsEntry("format", 0L).containsEntry("language", 0L).containsEntry("over_cap", 0L)
                .containsEntry("ungradable", 0L);
        var written = Messages.mapper().readTree(output.resolve("selection.json").toFile());
        assertThat(written.get("kept").asLong()).isEqualTo(6);
        assertThat(written.get("dropped").get("held_out").asLong()).isEqualTo(4);
        assertThat(Files.readAllLines(output.resolve("traces.jsonl"))).hasSize(6);
    }

    /** Reads the student's manifest and chunks back and assembles them as a rollout worker does. */
    private static PolicyModel assembledStudent() {
        List<PolicyManifest> manifests = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : readAll(Topics.POLICY.name())) {
            if (STUDENT_RUN.equals(record.key())) {
                manifests.add(Topics.POLICY.decode(record.value()));
            }
        }
        assertThat(manifests).hasSize(1);
        PolicyManifest manifest = manifests.get(0);
        assertThat(manifest.version()).isZero();
        assertThat(manifest.parentVersion()).isNull();
        PolicyAssembler assembler = new PolicyAssembler(STUDENT_RUN);
        Optional<PolicyAssembler.AssembledPolicy> assembled = assembler.offerManifest(manifest);
        for (ConsumerRecord<String, byte[]> record : readAll(Topics.POLICY_CHUNKS.name())) {
            PolicyChunk chunk = Topics.POLICY_CHUNKS.decode(record.value());
            if (assembled.isEmpty() && chunk.runId().equals(STUDENT_RUN)) {
                assembled = assembler.offerChunk(chunk);
            }
        }
        assertThat(assembled).as("student version verified by PolicyAssembler").isPresent();
        return PolicyModel.fromSafetensors(ModelConfig.fromJson(manifest.modelConfig()), assembled.get().weights());
    }

    private static void assertEvaluations(Path output) throws Exception {
        Map<String, EvalResult> published = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : readAll(Topics.EVAL.name())) {
            EvalResult result = Topics.EVAL.decode(record.value());
            assertThat(record.key()).isEqualTo(STUDENT_RUN);
            published.put(result.stage(), result);
        }
        assertThat(published).containsOnlyKeys(DistillRun.TEACHER_STAGE, DistillRun.STUDENT_STAGE);
        assertThat(published.get(DistillRun.TEACHER_STAGE).policyVersion()).isEqualTo(1);
        assertThat(published.get(DistillRun.STUDENT_STAGE).policyVersion()).isZero();
        for (EvalResult result : published.values()) {
            assertThat(result.prompts()).isEqualTo(TASK.evalExamples());
            assertThat(result.samplesPerPrompt()).isEqualTo(2);
            assertThat(result.meanLength()).isPositive();
        }
        List<String> lines = Files.readAllLines(output.resolve("eval.jsonl"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"stage\":\"teacher\"");
        assertThat(lines.get(1)).contains("\"stage\":\"student-distilled\"");
        for (String stage : List.of(DistillRun.TEACHER_STAGE, DistillRun.STUDENT_STAGE)) {
            List<String> samples = Files.readAllLines(output.resolve("eval-samples").resolve(stage + ".jsonl"));
            assertThat(samples).as(stage).hasSize(Math.min(4, TASK.evalExamples()));
            assertThat(samples.get(0)).as(stage).contains("\"completion\"").contains("\"correct\"");
        }
    }

    private static void assertDeadLetter() {
        List<ConsumerRecord<String, byte[]>> letters = readAll(Topics.SCORED.deadLetterTopic());
        assertThat(letters).extracting(ConsumerRecord::key).containsExactly("broken-1");
        String error = new String(letters.get(0).headers().lastHeader(DeadLetters.ERROR).value(), StandardCharsets.UTF_8);
        String service = new String(letters.get(0).headers().lastHeader(DeadLetters.SERVICE).value(),
                StandardCharsets.UTF_8);
        assertThat(error).contains("InvalidMessageException");
        assertThat(service).isEqualTo("distill-service");
    }

    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                assertThat(System.nanoTime()).as("reading %s to its end", topic).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    /** Publishes policy versions as the trainer does: chunks first, then the manifest. */
    private record ProducerPublisher(KafkaProducer<String, byte[]> producer) implements PolicyPublisher {
        @Override
        public void publishPolicy(PolicyManifest manifest, List<PolicyChunk> chunks) {
            try {
                for (PolicyChunk chunk : chunks) {
                    producer.send(new ProducerRecord<>(Topics.POLICY_CHUNKS.name(), chunk.key(),
                            Messages.encode(chunk))).get();
                }
                producer.send(new ProducerRecord<>(Topics.POLICY.name(), manifest.runId(),
                        Messages.encode(manifest))).get();
            } catch (Exception e) {
                throw new IllegalStateException("publishing policy version " + manifest.version() + " failed", e);
            }
        }

        @Override
        public long highestPublishedVersion(String runId) {
            throw new UnsupportedOperationException("PolicyVersions.publish does not ask for the newest version");
        }
    }
}
