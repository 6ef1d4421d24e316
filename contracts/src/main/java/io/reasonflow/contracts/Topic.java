package io.reasonflow.contracts;

/**
 * One topic of the pipeline: its name, the message type of its values, how values are encoded, and its dead-letter
 * topic. Keys are strings (UTF-8).
 */
public record Topic<T>(String name, Class<T> valueType, MessageCodec<T> codec) {

    /** Creates a topic whose values are JSON ({@link Messages}). */
    public Topic(String name, Class<T> valueType) {
        this(name, valueType, MessageCodec.json(valueType));
    }

    public String deadLetterTopic() {
        return name + ".dlq";
    }

    public byte[] encode(T message) {
        return codec.encode(message);
    }

    public T decode(byte[] value) {
        return codec.decode(value);
    }
}
