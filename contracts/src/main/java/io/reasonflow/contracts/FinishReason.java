package io.reasonflow.contracts;

import com.fasterxml.jackson.annotation.JsonValue;

/** Why sampling of one completion ended: a stop token or string, or the max-new-tokens limit. */
public enum FinishReason {
    STOP,
    LENGTH;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
