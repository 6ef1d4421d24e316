package io.reasonflow.reward;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.InvalidMessageException;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PackedArrays;
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
 * group took most of the service's time. Packed arrays ({@code token_ids_b64}, {@code log_probs_b64})
 * are decoded and checked, which costs far less than parsing numbers. The scored group carries the
 * rollout's bytes unchanged.
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
     * @param tokenCount   number of generated tokens ({@code token_ids} or {@code token_ids_b64}), prompt excluded
     * @param logProbCount number of behaviour log-probs ({@code log_probs} or {@code log_probs_b64}), equal to the
     *                     token count
     */
    @JsonDeserialize(using = CompletionViewReader.class)
    public record CompletionView(String text, int tokenCount, int logProbCount, FinishReason finishReason) {

        public CompletionView {
            Completion.check(text, finishReason, tokenCount, logProbCount);
        }

        static CompletionView of(Completion completion) {
            return new CompletionView(completion.text(), completion.tokenIds().length, completion.logProbs().length,
                    completion.finishReason());
        }
    }

    /**
     * Reads a completion in either form of {@link Completion}'s JSON: arrays are counted and checked without
     * converting their numbers, packed values are decoded from the record's bytes and checked, without building
     * strings.
     */
    static final class CompletionViewReader extends ValueDeserializer<CompletionView> {
        @Override
        public CompletionView deserialize(JsonParser parser, DeserializationContext context) {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw new InvalidMessageException("completion is " + parser.currentToken() + ", expected an object");
            }
            String text = null;
            Integer tokens = null;
            Integer logProbs = null;
            FinishReason finishReason = null;
            for (String name = parser.nextName(); name != null; name = parser.nextName()) {
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "text" -> text = value == JsonToken.VALUE_NULL ? null
                            : context.readValue(parser, String.class);
                    case "token_ids" -> tokens = new TokenIdCount().deserialize(parser, context);
                    case "token_ids_b64" -> tokens = PackedArrays.countInts(parser, "completion.token_ids_b64");
                    case "log_probs" -> logProbs = new LogProbCount().deserialize(parser, context);
                    case "log_probs_b64" -> logProbs = PackedArrays.countLogProbs(parser, "completion.log_probs_b64");
                    case "finish_reason" -> finishReason = value == JsonToken.VALUE_NULL ? null
                            : context.readValue(parser, FinishReason.class);
                    default -> parser.skipChildren();
                }
            }
            if (tokens == null) {
                throw new InvalidMessageException(
                        "missing field 'completion.token_ids' (or 'completion.token_ids_b64')");
            }
            if (logProbs == null) {
                throw new InvalidMessageException(
                        "missing field 'completion.log_probs' (or 'completion.log_probs_b64')");
            }
            return new CompletionView(text, tokens, logProbs, finishReason);
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
