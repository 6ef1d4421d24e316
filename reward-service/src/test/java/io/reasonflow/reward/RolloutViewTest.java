package io.reasonflow.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.RolloutGroup;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RolloutViewTest {

    private static RolloutGroup group() {
        SamplingSettings sampling = new SamplingSettings(2, 1.0, 1.0, 0, 64, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run", "g-1", "p0", "arithmetic",
                "User: 40+2\nAssistant: ", "42", Purpose.TRAIN, sampling, 0);
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 3, "worker", List.of(
                new Completion("<answer>42</answer>", new int[] {7, 8, 9}, new double[] {-0.5, -1.25E-5, 0.0},
                        FinishReason.STOP),
                new Completion("<answer>4", new int[] {1}, new double[] {-2.0}, FinishReason.LENGTH)));
    }

    /** Encodes the group with the first completion's log_probs array replaced by {@code logProbs}. */
    private static byte[] withLogProbs(String logProbs) {
        String json = new String(Messages.encode(group()), StandardCharsets.UTF_8);
        int start = json.indexOf("\"log_probs\":[") + "\"log_probs\":".length();
        int end = json.indexOf(']', start) + 1;
        return (json.substring(0, start) + logProbs + json.substring(end)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] replaced(String from, String to) {
        String json = new String(Messages.encode(group()), StandardCharsets.UTF_8);
        assertThat(json).contains(from);
        return json.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void decodesWhatGradersRead() {
        RolloutView view = RolloutView.decode(Messages.encode(group()));

        assertThat(view.groupId()).isEqualTo("g-1");
        assertThat(view.policyVersion()).isEqualTo(3);
        assertThat(view.prompt().referenceAnswer()).isEqualTo("42");
        assertThat(view.completions()).extracting(RolloutView.CompletionView::text)
                .containsExactly("<answer>42</answer>", "<answer>4");
        assertThat(view.completions()).extracting(RolloutView.CompletionView::tokenCount).containsExactly(3, 1);
        assertThat(view.completions()).extracting(RolloutView.CompletionView::finishReason)
                .containsExactly(FinishReason.STOP, FinishReason.LENGTH);
    }

    @Test
    void viewOfDecodedGroupMatchesDecodedView() {
        assertThat(RolloutView.of(group())).isEqualTo(RolloutView.decode(Messages.encode(group())));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[-0.5,-1.0E-5,0]", "[-0.0,0.0,-3]", "[-1e-300,0e5,-7.25]", "[-0.5,-1,-2E2]"})
    void acceptsLogProbsAtMostZero(String logProbs) {
        byte[] record = withLogProbs(logProbs);

        assertThat(RolloutView.decode(record).completions().get(0).logProbCount()).isEqualTo(3);
        assertThat(Topics.ROLLOUTS.decode(record).completions().get(0).logProbs()).hasSize(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[-0.5,0.5,-1]", "[-0.5,1e-5,-1]", "[-0.5,-1e400,-1]", "[-0.5,\"x\",-1]",
        "[-0.5,-1]", "[-0.5,null,-1]", "{}", "null"})
    void rejectsWhatTheFullDecodeRejects(String logProbs) {
        byte[] record = withLogProbs(logProbs);

        assertThatThrownBy(() -> RolloutView.decode(record)).isInstanceOf(InvalidMessageException.class);
        assertThatThrownBy(() -> Topics.ROLLOUTS.decode(record)).isInstanceOf(InvalidMessageException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"token_ids\":[7,8,9]|\"token_ids\":[7,8.5,9]",
        "\"token_ids\":[7,8,9]|\"token_ids\":[7,3000000000,9]",
        "\"token_ids\":[7,8,9]|\"token_ids\":7",
        "\"token_ids\":[7,8,9],|''",
        "\"finish_reason\":\"stop\"|\"finish_reason\":\"done\"",
        "\"schema_version\":1|\"schema_version\":9"})
    void rejectsInvalidFieldsLikeTheFullDecode(String from, String to) {
        byte[] record = replaced(from, to);

        assertThatThrownBy(() -> RolloutView.decode(record)).isInstanceOf(InvalidMessageException.class);
        assertThatThrownBy(() -> Topics.ROLLOUTS.decode(record)).isInstanceOf(InvalidMessageException.class);
    }

    /** Returns a group whose log-probs are float32 values, as the sampler's are, so its completions are written packed. */
    private static RolloutGroup sampledGroup() {
        SamplingSettings sampling = new SamplingSettings(2, 1.0, 1.0, 0, 64, List.of("</answer>"));
        PromptMessage prompt = new PromptMessage(Messages.SCHEMA_VERSION, "run", "g-2", "p0", "arithmetic",
                "User: 40+2\nAssistant: ", "42", Purpose.TRAIN, sampling, 0);
        return new RolloutGroup(Messages.SCHEMA_VERSION, prompt, 3, "worker", List.of(
                new Completion("<answer>42</answer>", new int[] {7, 8, 9}, new double[] {-0.5, -0.25, 0.0},
                        FinishReason.STOP),
                new Completion("<answer>4", new int[] {1}, new double[] {-2.0}, FinishReason.LENGTH)));
    }

    @Test
    void countsPackedArrays() {
        byte[] record = Messages.encode(sampledGroup());
        assertThat(new String(record, StandardCharsets.UTF_8)).contains("\"token_ids_b64\":\"BwAAAAgAAAAJAAAA\"")
                .doesNotContain("\"token_ids\"");

        RolloutView view = RolloutView.decode(record);

        assertThat(view).isEqualTo(RolloutView.of(sampledGroup()));
        assertThat(view.completions()).extracting(RolloutView.CompletionView::tokenCount).containsExactly(3, 1);
        assertThat(Topics.ROLLOUTS.decode(record).completions().get(0).logProbs()).containsExactly(-0.5, -0.25, 0.0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // 0.5 as float32: a positive log-prob
        "\"log_probs_b64\":\"AAAAvwAAgL4AAAAA\"|\"log_probs_b64\":\"AAAAPwAAgL4AAAAA\"",
        "\"log_probs_b64\":\"AAAAvwAAgL4AAAAA\"|\"log_probs_b64\":\"AAAAvwAAgL4=\"",
        "\"token_ids_b64\":\"BwAAAAgAAAAJAAAA\"|\"token_ids_b64\":\"BwAAAAgAAAAJAAA\"",
        "\"token_ids_b64\":\"BwAAAAgAAAAJAAAA\"|\"token_ids_b64\":[7,8,9]",
        "\"token_ids_b64\":\"BwAAAAgAAAAJAAAA\",|''"})
    void rejectsInvalidPackedArraysLikeTheFullDecode(String from, String to) {
        String json = new String(Messages.encode(sampledGroup()), StandardCharsets.UTF_8);
        assertThat(json).contains(from);
        byte[] record = json.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> RolloutView.decode(record)).isInstanceOf(InvalidMessageException.class);
        assertThatThrownBy(() -> Topics.ROLLOUTS.decode(record)).isInstanceOf(InvalidMessageException.class);
    }
}
