package io.reasonflow.contracts;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a prompt group is sampled for; the ledger counts each purpose apart. */
public enum Purpose {
    TRAIN,
    EVAL,
    DISTILL;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
