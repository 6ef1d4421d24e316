package io.reasonflow.tasks.arithmetic;

/** Arithmetic operation of a generated question, with the symbol used in questions and traces. */
public enum Operation {
    /** Column addition of two multi-digit operands. */
    ADD('+'),
    /** Column subtraction of the smaller operand from the larger, so the result is never negative. */
    SUBTRACT('-'),
    /** Multiplication of a multi-digit operand by a one-digit multiplier from 2 to 9. */
    MULTIPLY('*');

    private final char symbol;

    Operation(char symbol) {
        this.symbol = symbol;
    }

    /** Returns the symbol written between the operands, for example {@code '+'}. */
    public char symbol() {
        return symbol;
    }

    /** Applies the operation exactly, throwing {@link ArithmeticException} on {@code long} overflow. */
    public long apply(long left, long right) {
        return switch (this) {
            case ADD -> Math.addExact(left, right);
            case SUBTRACT -> Math.subtractExact(left, right);
            case MULTIPLY -> Math.multiplyExact(left, right);
        };
    }

    /** Returns the operation written as {@code symbol}, or throws if there is none. */
    public static Operation fromSymbol(char symbol) {
        for (Operation operation : values()) {
            if (operation.symbol == symbol) {
                return operation;
            }
        }
        throw new IllegalArgumentException("Unknown operation symbol '" + symbol + "'");
    }
}
