package io.reasonflow.contracts;

import java.util.Collection;

/** Field checks shared by the message records; each failure names the field and the value. */
final class Checks {
    private Checks() {
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw new InvalidMessageException("missing field '" + field + "'");
        }
        return value;
    }

    static String requiredText(String value, String field) {
        required(value, field);
        if (value.isBlank()) {
            throw new InvalidMessageException("field '" + field + "' is blank");
        }
        return value;
    }

    static double finite(double value, String field) {
        if (!Double.isFinite(value)) {
            throw new InvalidMessageException("field '" + field + "' is " + value + ", expected a finite number");
        }
        return value;
    }

    static Double finiteOrNull(Double value, String field) {
        if (value != null) {
            finite(value, field);
        }
        return value;
    }

    static long nonNegative(long value, String field) {
        if (value < 0) {
            throw new InvalidMessageException("field '" + field + "' is " + value + ", expected >= 0");
        }
        return value;
    }

    static void schema(int schemaVersion) {
        if (schemaVersion != Messages.SCHEMA_VERSION) {
            throw new InvalidMessageException("unsupported schema_version " + schemaVersion
                    + ", this build reads version " + Messages.SCHEMA_VERSION);
        }
    }

    static void sameSize(Collection<?> a, String fieldA, int sizeB, String fieldB) {
        if (a.size() != sizeB) {
            throw new InvalidMessageException("field '" + fieldA + "' has " + a.size() + " entries but '"
                    + fieldB + "' has " + sizeB);
        }
    }
}
