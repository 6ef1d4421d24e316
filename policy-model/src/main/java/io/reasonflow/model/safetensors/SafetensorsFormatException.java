package io.reasonflow.model.safetensors;

/** Raised when bytes are not a valid safetensors file or do not hold the expected tensors. */
public class SafetensorsFormatException extends IllegalArgumentException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
