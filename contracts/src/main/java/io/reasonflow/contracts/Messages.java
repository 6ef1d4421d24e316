package io.reasonflow.contracts;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON encoding of every message: snake_case field names, unknown fields ignored (so newer writers can
 * add fields within a schema version), and a decode error that says what is wrong with the record.
 */
public final class Messages {
    /** Schema version written into and expected from every record. */
    public static final int SCHEMA_VERSION = 1;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private Messages() {
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static byte[] encode(Object message) {
        return MAPPER.writeValueAsBytes(message);
    }

    /**
     * Decodes a record value.
     *
     * @throws InvalidMessageException naming the first problem: not JSON, a missing or invalid field, an
     *                                 unsupported schema version
     */
    public static <T> T decode(byte[] value, Class<T> type) {
        if (value == null) {
            throw new InvalidMessageException("record value is null (a tombstone), expected a " + type.getSimpleName());
        }
        try {
            return MAPPER.readValue(value, type);
        } catch (JacksonException e) {
            Throwable cause = e.getCause();
            while (cause != null) {
                if (cause instanceof InvalidMessageException invalid) {
                    throw invalid;
                }
                cause = cause.getCause();
            }
            throw new InvalidMessageException("not a valid " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
