package io.reasonflow.contracts;

/** Conversion between the messages of one topic and its record values. */
public interface MessageCodec<T> {

    byte[] encode(T message);

    /**
     * Decodes a record value.
     *
     * @throws InvalidMessageException naming the first problem found in the record
     */
    T decode(byte[] value);

    /** Returns the JSON codec of {@link Messages}, which every topic uses unless it names another. */
    static <T> MessageCodec<T> json(Class<T> type) {
        return new MessageCodec<>() {
            @Override
            public byte[] encode(T message) {
                return Messages.encode(message);
            }

            @Override
            public T decode(byte[] value) {
                return Messages.decode(value, type);
            }
        };
    }
}
