package io.reasonflow.reward;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.RolloutGroup;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * The part of a rollout group that graders read: the prompt, and each completion's text, token count
 * and finish reason.
 *
 * <p>Decoding checks the record as {@link RolloutGroup} does, but counts the {@code token_ids} and
 * {@code log_probs} arrays without converting their numbers: converting thousands of log-probs per
 * group took most of the service's time. The scored group carries the rollout's bytes unchanged.
 *
 * @param completions the completions, in the group's order
 */
public record RolloutView(int schemaVersion, PromptMessage prompt, long policyVersion, String workerId,
        List<CompletionView> completions) {

    public RolloutView {
        RolloutGroup.check(schemaVersion, prompt, policyVersion, completions);
        completions = List.copyOf(completions);
    }

    /** Decodes a {@code reasonflow.rollouts} record; an invalid one is an {@link InvalidMessageException}. */
    public static RolloutView decode(byte[] value) {
        return Messages.decode(value, RolloutView.class);
    }

    /** Returns the view of a decoded group. */
    public static RolloutView of(RolloutGroup group) {
        return new RolloutView(group.schemaVersion(), group.prompt(), group.policyVersion(), group.workerId(),
                group.completions().stream().map(CompletionView::of).toList());
    }

    public String groupId() {
        return prompt.groupId();
    }

    /**
     * One completion as graders see it.
     *
     * @param tokenCount   number of generated tokens ({@code token_ids}), prompt excluded
     * @param logProbCount number of behaviour log-probs ({@code log_probs}), equal to the token count
     */
    public record CompletionView(String text,
            @JsonProperty("token_ids") @JsonDeserialize(using = TokenIdCount.class) int tokenCount,
            @JsonProperty("log_probs") @JsonDeserialize(using = LogProbCount.class) int logProbCount,
            FinishReason finishReason) {

        public CompletionView {
            Completion.check(text, finishReason, tokenCount, logProbCount);
        }

        static CompletionView of(Completion completion) {
            return new CompletionView(completion.text(), completion.tokenIds().length, completion.logProbs().length,
                    completion.finishReason());
        }
    }

    /** Counts an array of token ids, each an integer in the int range. */
    static final class TokenIdCount extends ValueDeserializer<Integer> {
        @Override
        public Integer deserialize(JsonParser parser, DeserializationContext context) {
            return countElements(parser, "completion.token_ids", "an integer token id",
                    token -> token == JsonToken.VALUE_NUMBER_INT
                            && parser.getNumberType() == JsonParser.NumberType.INT);
        }
    }

    /**
     * Counts an array of log-probs, each a finite number {@code <= 0}. A plain decimal is checked from
     * its text; one with an exponent is converted.
     */
    static final class LogProbCount extends ValueDeserializer<Integer> {
        @Override
        public Integer deserialize(JsonParser parser, DeserializationContext context) {
            return countElements(parser, "completion.log_probs", "a finite value <= 0",
                    token -> token.isNumeric() && atMostZero(parser));
        }

        private static boolean atMostZero(JsonParser parser) {
            char[] chars = parser.getStringCharacters();
            int start = parser.getStringOffset();
            int end = start + parser.getStringLength();
            if (chars[start] == '-') {
                for (int i = start + 1; i < end; i++) {
                    if (chars[i] == 'e' || chars[i] == 'E') {
                        return Double.isFinite(parser.getDoubleValue());
                    }
                }
                return true;
            }
            for (int i = start; i < end; i++) {
                char c = chars[i];
                if (c == 'e' || c == 'E') {
                    return true;
                }
                if (c != '0' && c != '.') {
                    return false;
                }
            }
            return true;
        }
    }

    /** Counts the elements of the array at the parser, each of which must pass {@code valid}. */
    private static int countElements(JsonParser parser, String field, String expected,
            java.util.function.Predicate<JsonToken> valid) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw new InvalidMessageException(field + " is " + parser.currentToken() + ", expected an array");
        }
        int count = 0;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            if (!valid.test(token)) {
                throw new InvalidMessageException(field + "[" + count + "] is " + parser.getString()
                        + ", expected " + expected);
            }
            count++;
        }
        return count;
    }
}
