package io.reasonflow.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessagesTest {
    private static final SamplingSettings SAMPLING = new SamplingSettings(4, 1.0, 0.95, 0, 64, List.of("</answer>"));

    private static PromptMessage prompt() {
        return new PromptMessage(Messages.SCHEMA_VERSION, "run-1", "run-1-train-0", "arith-1", "arithmetic",
                "User: 1+2\nAssistant: ", "3", Purpose.TRAIN, SAMPLING, 2);
    }

    private static byte[] utf8(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void promptRoundTripUsesSnakeCase() {
        byte[] json = Messages.encode(prompt());

        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"group_id\":\"run-1-train-0\"")
                .contains("\"min_policy_version\":2").contains("\"purpose\":\"train\"").contains("\"schema_version\":1");
        assertThat(Topics.PROMPTS.decode(json)).isEqualTo(prompt());
    }

    @Test
    void samplingSeedIsOptional() {
        PromptMessage seeded = new PromptMessage(Messages.SCHEMA_VERSION, "run-1", "run-1-train-0", "arith-1",
                "arithmetic", "User: 1+2\nAssistant: ", "3", Purpose.TRAIN, SAMPLING, 2, -4_611_686_018_427_387_904L);
        String json = new String(Messages.encode(seeded), StandardCharsets.UTF_8);
        assertThat(json).contains("\"sampling_seed\":-4611686018427387904");
        assertThat(Topics.PROMPTS.decode(utf8(json))).isEqualTo(seeded);

        String withoutSeed = json.replace(",\"sampling_seed\":-4611686018427387904", "");
        assertThat(withoutSeed).doesNotContain("sampling_seed");
        assertThat(Topics.PROMPTS.decode(utf8(withoutSeed))).isEqualTo(prompt());
        assertThatThrownBy(() -> Topics.PROMPTS.decode(utf8(withoutSeed.replace(",\"text\"", ",\"texts\""))))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("'text'");
    }

    @Test
    void rolloutGroupRoundTrip() {
        Completion completion = new Completion("<answer>3</answer>", new int[] {60, 97}, new double[] {-0.1, -2.5},
                FinishReason.STOP);
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run-1", "g", "p", "arithmetic", "x", "3",
                Purpose.EVAL, new SamplingSettings(1, 0.6, 0.95, 0, 8, List.of()), 0);
        RolloutGroup group = new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 5, "w", List.of(completion));

        RolloutGroup decoded = Topics.ROLLOUTS.decode(Messages.encode(group));

        assertThat(decoded.policyVersion()).isEqualTo(5);
        assertThat(decoded.completions().get(0).tokenIds()).containsExactly(60, 97);
        assertThat(decoded.completions().get(0).logProbs()).containsExactly(-0.1, -2.5);
        assertThat(decoded.completions().get(0).finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void sampledLogProbsArePackedAndReadBack() {
        float[] sampled = {-0.1f, -2.5f, -1.0e-7f, 0f};
        double[] logProbs = new double[sampled.length];
        for (int i = 0; i < sampled.length; i++) {
            logProbs[i] = sampled[i];
        }
        Completion completion = new Completion("<answer>3</answer>", new int[] {60, 97, 258, 0}, logProbs,
                FinishReason.LENGTH);

        String json = new String(Messages.encode(completion), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"text\":\"<answer>3</answer>\",\"token_ids_b64\":\"PAAAAGEAAAACAQAAAAAAAA==\","
                + "\"log_probs_b64\":\"zczMvQAAIMCVv9azAAAAAA==\",\"finish_reason\":\"length\"}");
        Completion decoded = Messages.decode(utf8(json), Completion.class);
        assertThat(decoded.tokenIds()).containsExactly(60, 97, 258, 0);
        assertThat(decoded.logProbs()).containsExactly(logProbs);
        assertThat(decoded.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void logProbsThatAreNotFloat32StayArrays() {
        Completion completion = new Completion("x", new int[] {1}, new double[] {-0.1}, FinishReason.STOP);

        String json = new String(Messages.encode(completion), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"text\":\"x\",\"token_ids\":[1],\"log_probs\":[-0.1],\"finish_reason\":\"stop\"}");
        assertThat(Messages.decode(utf8(json), Completion.class).logProbs()).containsExactly(-0.1);
    }

    @Test
    void packedArraysAreChecked() {
        String valid = "{\"text\":\"x\",\"token_ids_b64\":\"AQAAAA==\",\"log_probs_b64\":\"zczMvQ==\","
                + "\"finish_reason\":\"stop\",\"extra\":{\"a\":[1]}}";
        assertThat(Messages.decode(utf8(valid), Completion.class).tokenIds()).containsExactly(1);

        assertThatThrownBy(() -> Messages.decode(utf8(valid.replace("AQAAAA==", "AQ*AAA==")), Completion.class))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("token_ids_b64 is not valid base64");
        assertThatThrownBy(() -> Messages.decode(utf8(valid.replace("AQAAAA==", "AQAA")), Completion.class))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("multiple of 4");
        // 0x3dcccccd is +0.1: a positive log-prob.
        assertThatThrownBy(() -> Messages.decode(utf8(valid.replace("zczMvQ==", "zczMPQ==")), Completion.class))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("log_probs[0]");
        assertThatThrownBy(() -> Messages.decode(utf8(valid.replace("\"zczMvQ==\"", "5")), Completion.class))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("log_probs_b64 is");
        assertThatThrownBy(() -> Messages.decode(utf8(valid.replace("\"token_ids_b64\":\"AQAAAA==\",", "")),
                Completion.class)).isInstanceOf(InvalidMessageException.class).hasMessageContaining("token_ids");
        assertThatThrownBy(() -> Messages.decode(utf8(valid.replace("\"zczMvQ==\"", "\"zczMvQAAAAA=\"")),
                Completion.class)).isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("1 token_ids but 2 log_probs");
    }

    @Test
    void invalidJsonIsRejected() {
        assertThatThrownBy(() -> Topics.PROMPTS.decode(utf8("{not json")))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("PromptMessage");
    }

    @Test
    void unknownSchemaVersionIsRejected() {
        String json = new String(Messages.encode(prompt()), StandardCharsets.UTF_8).replace("\"schema_version\":1",
                "\"schema_version\":99");

        assertThatThrownBy(() -> Topics.PROMPTS.decode(utf8(json)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("schema_version 99");
    }

    @Test
    void missingFieldIsRejected() {
        String json = new String(Messages.encode(prompt()), StandardCharsets.UTF_8).replace("\"group_id\":\"run-1-train-0\",",
                "");

        assertThatThrownBy(() -> Topics.PROMPTS.decode(utf8(json)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("group_id");
    }

    @Test
    void nonFiniteNumberIsRejected() {
        String json = new String(Messages.encode(prompt()), StandardCharsets.UTF_8).replace("\"temperature\":1.0",
                "\"temperature\":\"NaN\"");

        assertThatThrownBy(() -> Topics.PROMPTS.decode(utf8(json)))
                .isInstanceOf(InvalidMessageException.class).hasMessageContaining("temperature");
    }

    @Test
    void invalidSamplingIsRejectedWithValue() {
        assertThatThrownBy(() -> new SamplingSettings(0, 1.0, 1.0, 0, 8, List.of()))
                .hasMessageContaining("group_size is 0");
        assertThatThrownBy(() -> new SamplingSettings(2, 1.0, 1.5, 0, 8, List.of()))
                .hasMessageContaining("top_p is 1.5");
    }

    @Test
    void nullValueIsRejected() {
        assertThatThrownBy(() -> Topics.SCORED.decode(null)).isInstanceOf(InvalidMessageException.class)
                .hasMessageContaining("tombstone");
    }

    @Test
    void everyTopicHasDeadLetterTopic() {
        assertThat(Topics.allNames()).contains("reasonflow.prompts", "reasonflow.prompts.dlq", "reasonflow.policy.chunks",
                "reasonflow.policy.chunks.dlq", "reasonflow.eval.dlq");
    }
}
