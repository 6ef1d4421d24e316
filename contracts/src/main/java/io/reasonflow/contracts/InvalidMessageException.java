package io.reasonflow.contracts;

/** A record that cannot be read as its topic's message type; the reason goes to the dead-letter topic. */
public class InvalidMessageException extends RuntimeException {
    public InvalidMessageException(String message) {
        super(message);
    }

    public InvalidMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
