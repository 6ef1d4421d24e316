package io.reasonflow.model.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Byte-level tokenizer: the UTF-8 bytes 0..255 of the text are the ids 0..255, followed by the specials
 * BOS = 256, EOS = 257 and PAD = 258. Every string has an encoding, so there is no unknown token.
 */
public final class ByteTokenizer implements Tokenizer {
    public static final int BOS = 256;
    public static final int EOS = 257;
    public static final int PAD = 258;
    public static final int VOCAB_SIZE = 259;

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    /**
     * Decodes the byte ids as UTF-8. Malformed sequences, such as a multi-byte character cut off by a length
     * limit, become U+FFFD instead of raising.
     *
     * @throws IllegalArgumentException for an id outside {@code [0, 259)}
     */
    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        int length = 0;
        for (int id : ids) {
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " is outside the byte vocabulary [0, "
                        + VOCAB_SIZE + ")");
            }
            if (id < BOS) {
                bytes[length++] = (byte) id;
            }
        }
        // String(byte[], int, int, Charset) is specified to replace malformed input with U+FFFD, so this cannot throw.
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    @Override
    public int padId() {
        return PAD;
    }
}
