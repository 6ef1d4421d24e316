package io.reasonflow.contracts;

import java.util.Base64;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;

/**
 * Writes bytes as a base64 string (RFC 4648, with padding) with the JDK's encoder, which needs about half the
 * CPU time of Jackson's own for the 512 KiB chunks of a policy version. Reading stays with Jackson: its decoding
 * runs at the speed of reading the string, and the JDK's decoder saved nothing there.
 */
final class Base64Bytes extends ValueSerializer<byte[]> {
    @Override
    public void serialize(byte[] value, JsonGenerator generator, SerializationContext context) {
        byte[] encoded = Base64.getEncoder().encode(value);
        // Base64 needs no escaping, so the encoded bytes go out as they are.
        generator.writeRawUTF8String(encoded, 0, encoded.length);
    }
}
