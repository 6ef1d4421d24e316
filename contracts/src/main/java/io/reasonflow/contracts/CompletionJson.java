package io.reasonflow.contracts;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;

/**
 * JSON form of a {@link Completion}. It is written with the token ids and log-probs packed
 * ({@code token_ids_b64}, {@code log_probs_b64}; see {@link PackedArrays}) when every log-prob is exactly a
 * float32, as the sampler's are, and as the arrays {@code token_ids} and {@code log_probs} otherwise. Either form
 * is read, and each pair may mix them.
 */
final class CompletionJson {
    static final String TEXT = "text";
    static final String TOKEN_IDS = "token_ids";
    static final String TOKEN_IDS_PACKED = "token_ids_b64";
    static final String LOG_PROBS = "log_probs";
    static final String LOG_PROBS_PACKED = "log_probs_b64";
    static final String FINISH_REASON = "finish_reason";

    private CompletionJson() {
    }

    static final class Writer extends ValueSerializer<Completion> {
        @Override
        public void serialize(Completion completion, JsonGenerator generator, SerializationContext context) {
            generator.writeStartObject();
            generator.writeName(TEXT);
            generator.writeString(completion.text());
            if (PackedArrays.exactFloats(completion.logProbs())) {
                generator.writeName(TOKEN_IDS_PACKED);
                generator.writeString(PackedArrays.packInts(completion.tokenIds()));
                generator.writeName(LOG_PROBS_PACKED);
                generator.writeString(PackedArrays.packFloats(completion.logProbs()));
            } else {
                generator.writeName(TOKEN_IDS);
                generator.writeArray(completion.tokenIds(), 0, completion.tokenIds().length);
                generator.writeName(LOG_PROBS);
                generator.writeArray(completion.logProbs(), 0, completion.logProbs().length);
            }
            generator.writeName(FINISH_REASON);
            generator.writeString(completion.finishReason().wireName());
            generator.writeEndObject();
        }
    }

    static final class Reader extends ValueDeserializer<Completion> {
        @Override
        public Completion deserialize(JsonParser parser, DeserializationContext context) {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw new InvalidMessageException("completion is " + parser.currentToken() + ", expected an object");
            }
            String text = null;
            int[] tokenIds = null;
            double[] logProbs = null;
            FinishReason finishReason = null;
            for (String name = parser.nextName(); name != null; name = parser.nextName()) {
                JsonToken value = parser.nextToken();
                switch (name) {
                    case TEXT -> text = value == JsonToken.VALUE_NULL ? null : context.readValue(parser, String.class);
                    case TOKEN_IDS -> tokenIds = value == JsonToken.VALUE_NULL ? null
                            : context.readValue(parser, int[].class);
                    case TOKEN_IDS_PACKED -> tokenIds = PackedArrays.readInts(parser, "completion." + name);
                    case LOG_PROBS -> logProbs = value == JsonToken.VALUE_NULL ? null
                            : context.readValue(parser, double[].class);
                    case LOG_PROBS_PACKED -> logProbs = PackedArrays.readFloats(parser, "completion." + name);
                    case FINISH_REASON -> finishReason = value == JsonToken.VALUE_NULL ? null
                            : context.readValue(parser, FinishReason.class);
                    default -> parser.skipChildren();
                }
            }
            if (tokenIds == null) {
                throw new InvalidMessageException("missing field 'completion.token_ids' (or 'completion."
                        + TOKEN_IDS_PACKED + "')");
            }
            if (logProbs == null) {
                throw new InvalidMessageException("missing field 'completion.log_probs' (or 'completion."
                        + LOG_PROBS_PACKED + "')");
            }
            return new Completion(text, tokenIds, logProbs, finishReason);
        }
    }
}
