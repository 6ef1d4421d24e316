package io.reasonflow.tasks.arithmetic;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Settings of the arithmetic generator.
 *
 * <p>Each multi-digit operand gets a digit count drawn uniformly from {@code minDigits} to
 * {@code maxDigits}, so the two operands of one question may differ in length. The multiplier of
 * {@link Operation#MULTIPLY} always has one digit.
 *
 * @param minDigits minimum digits per multi-digit operand, from 1 to {@value #MAX_DIGITS}
 * @param maxDigits maximum digits per multi-digit operand, from {@code minDigits} to
 *     {@value #MAX_DIGITS}
 * @param operations operations to draw from uniformly, at least one
 */
public record Difficulty(int minDigits, int maxDigits, Set<Operation> operations) {

    /** Largest digit count per operand; it keeps every result inside a {@code long}. */
    public static final int MAX_DIGITS = 18;

    /** Validates the ranges and copies {@code operations}. */
    public Difficulty {
        if (minDigits < 1 || maxDigits > MAX_DIGITS || minDigits > maxDigits) {
            throw new IllegalArgumentException(
                    "Digits must satisfy 1 <= minDigits <= maxDigits <= " + MAX_DIGITS
                            + ", got minDigits=" + minDigits + ", maxDigits=" + maxDigits);
        }
        if (operations == null || operations.isEmpty()) {
            throw new IllegalArgumentException("operations must not be empty");
        }
        operations = Set.copyOf(EnumSet.copyOf(operations));
    }

    /** Returns settings with exactly {@code digits} digits per operand. */
    public static Difficulty of(int digits, Operation... operations) {
        return new Difficulty(digits, digits, EnumSet.copyOf(List.of(operations)));
    }

    /** Returns the operations in declaration order, so draws do not depend on set iteration order. */
    List<Operation> orderedOperations() {
        return List.copyOf(EnumSet.copyOf(operations));
    }
}
