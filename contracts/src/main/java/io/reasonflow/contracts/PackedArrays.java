package io.reasonflow.contracts;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import tools.jackson.core.Base64Variant;
import tools.jackson.core.Base64Variants;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The packed form of a completion's token ids and log-probs: base64 (RFC 4648, with padding) of the values as
 * little-endian int32 ({@code token_ids_b64}) and little-endian IEEE 754 float32 ({@code log_probs_b64}). The two
 * take about 10.7 bytes per token, against an estimated 22 as JSON numbers for sampled float32 log-probs, and are
 * read without parsing numbers: the readers here decode the base64 straight from the record's bytes.
 */
public final class PackedArrays {
    private static final Base64Variant BASE64 = Base64Variants.MIME_NO_LINEFEEDS;

    private PackedArrays() {
    }

    /** Base64 of {@code ids} as little-endian int32. */
    public static String packInts(int[] ids) {
        ByteBuffer buffer = ByteBuffer.allocate(ids.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asIntBuffer().put(ids);
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    /** Returns whether every value is exactly a float32, so that {@link #packFloats} loses nothing. */
    public static boolean exactFloats(double[] values) {
        for (double value : values) {
            if ((double) (float) value != value) {
                return false;
            }
        }
        return true;
    }

    /** Base64 of {@code values} as little-endian float32; callers check {@link #exactFloats} first. */
    public static String packFloats(double[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double value : values) {
            buffer.putFloat((float) value);
        }
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    /** Reads {@code token_ids_b64} at the parser; an invalid value is an {@link InvalidMessageException}. */
    public static int[] readInts(JsonParser parser, String field) {
        ByteBuffer bytes = read(parser, field);
        int[] ids = new int[bytes.remaining() / 4];
        bytes.asIntBuffer().get(ids);
        return ids;
    }

    /** Reads {@code log_probs_b64} at the parser; an invalid value is an {@link InvalidMessageException}. */
    public static double[] readFloats(JsonParser parser, String field) {
        ByteBuffer bytes = read(parser, field);
        double[] values = new double[bytes.remaining() / 4];
        for (int i = 0; i < values.length; i++) {
            values[i] = bytes.getFloat(i * 4);
        }
        return values;
    }

    /** Counts the values of {@code token_ids_b64} at the parser, checking it as {@link #readInts} does. */
    public static int countInts(JsonParser parser, String field) {
        Check check = new Check(field, false);
        decode(parser, field, check);
        return check.finish();
    }

    /**
     * Counts the values of {@code log_probs_b64} at the parser, checking that each is a finite float32 {@code <= 0}
     * as a decoded {@link Completion} requires.
     */
    public static int countLogProbs(JsonParser parser, String field) {
        Check check = new Check(field, true);
        decode(parser, field, check);
        return check.finish();
    }

    private static ByteBuffer read(JsonParser parser, String field) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        decode(parser, field, out);
        byte[] bytes = out.toByteArray();
        if (bytes.length % 4 != 0) {
            throw notWhole(field, bytes.length);
        }
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void decode(JsonParser parser, String field, OutputStream out) {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw new InvalidMessageException(field + " is " + parser.currentToken() + ", expected a base64 string");
        }
        try {
            parser.readBinaryValue(BASE64, out);
        } catch (InvalidMessageException e) {
            throw e;
        } catch (JacksonException e) {
            throw new InvalidMessageException(field + " is not valid base64: " + e.getOriginalMessage());
        }
    }

    private static InvalidMessageException notWhole(String field, long bytes) {
        return new InvalidMessageException(field + " is " + bytes
                + " bytes long, expected a multiple of 4 (one 4-byte little-endian value per token)");
    }

    /** Counts decoded bytes in whole 4-byte values and, for log-probs, checks each value as it completes. */
    private static final class Check extends OutputStream {
        private final String field;
        private final boolean logProbs;
        private long bytes;
        private int pending;

        Check(String field, boolean logProbs) {
            this.field = field;
            this.logProbs = logProbs;
        }

        @Override
        public void write(int b) {
            pending |= (b & 0xff) << (8 * (int) (bytes & 3));
            bytes++;
            if ((bytes & 3) == 0) {
                value();
            }
        }

        @Override
        public void write(byte[] buffer, int offset, int length) {
            if (!logProbs) {
                bytes += length;
                return;
            }
            int at = offset;
            int end = offset + length;
            while (at < end && (bytes & 3) != 0) {
                write(buffer[at++]);
            }
            for (; at + 4 <= end; at += 4) {
                pending = (buffer[at] & 0xff) | (buffer[at + 1] & 0xff) << 8 | (buffer[at + 2] & 0xff) << 16
                        | (buffer[at + 3] & 0xff) << 24;
                bytes += 4;
                value();
            }
            while (at < end) {
                write(buffer[at++]);
            }
        }

        private void value() {
            if (logProbs) {
                // NaN fails the comparison, and negative infinity is checked apart.
                float value = Float.intBitsToFloat(pending);
                if (!(value <= 0) || Float.isInfinite(value)) {
                    throw new InvalidMessageException(field + "[" + (bytes / 4 - 1) + "] is " + value
                            + ", expected a finite value <= 0");
                }
            }
            pending = 0;
        }

        int finish() {
            if (bytes % 4 != 0) {
                throw notWhole(field, bytes);
            }
            return (int) (bytes / 4);
        }
    }
}
