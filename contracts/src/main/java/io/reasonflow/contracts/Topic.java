package io.reasonflow.contracts;

/**
 * One topic of the pipeline: its name, the message type of its values, and its dead-letter topic.
 * Keys are strings (UTF-8).
 */
public record Topic<T>(String name, Class<T> valueType) {

    public String deadLetterTopic() {
        return name + ".dlq";
    }

    public T decode(byte[] value) {
        return Messages.decode(value, valueType);
    }
}
