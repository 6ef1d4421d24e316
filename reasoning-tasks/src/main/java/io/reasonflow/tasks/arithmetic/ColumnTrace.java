package io.reasonflow.tasks.arithmetic;

import java.util.ArrayList;
import java.util.List;

/**
 * Writer of the column-by-column worked solution, least significant digit first.
 *
 * <p>Each column is one line: the terms, their value, the digit written and any carry or borrow,
 * for example {@code 7+8+1=16 write 6 carry 1} or {@code 12-8=4 write 4 borrow 1}. A column with
 * a single term and nothing to carry is written as {@code 4 write 4}. A carry left after the last
 * column gets its own {@code write N} line, and the last line {@code =N} states the result.
 */
final class ColumnTrace {

    private ColumnTrace() {}

    /** Writes the trace lines of {@code left op right}, starting with the question itself. */
    static List<String> lines(long left, Operation operation, long right) {
        List<String> lines = new ArrayList<>();
        lines.add(Long.toString(left) + operation.symbol() + right);
        switch (operation) {
            case ADD -> addColumns(digits(left), digits(right), lines);
            case SUBTRACT -> subtractColumns(digits(left), digits(right), lines);
            case MULTIPLY -> multiplyColumns(digits(left), (int) right, lines);
        }
        lines.add("=" + operation.apply(left, right));
        return lines;
    }

    private static void addColumns(int[] left, int[] right, List<String> lines) {
        int carry = 0;
        for (int column = 0; column < Math.max(left.length, right.length); column++) {
            List<Integer> terms = new ArrayList<>();
            addIfPresent(terms, left, column);
            addIfPresent(terms, right, column);
            if (carry > 0) {
                terms.add(carry);
            }
            int sum = terms.stream().mapToInt(Integer::intValue).sum();
            carry = sum / 10;
            String expression = join(terms, "+") + (terms.size() > 1 ? "=" + sum : "");
            lines.add(expression + " write " + sum % 10 + (carry > 0 ? " carry " + carry : ""));
        }
        if (carry > 0) {
            lines.add("write " + carry);
        }
    }

    private static void subtractColumns(int[] left, int[] right, List<String> lines) {
        int borrow = 0;
        for (int column = 0; column < left.length; column++) {
            boolean hasRight = column < right.length;
            int subtrahend = hasRight ? right[column] : 0;
            int value = left[column] - borrow - subtrahend;
            boolean borrowsNext = value < 0;
            if (borrowsNext) {
                value += 10;
            }
            StringBuilder expression = new StringBuilder();
            expression.append(borrowsNext ? "1" : "").append(left[column]);
            expression.append(borrow > 0 ? "-1" : "").append(hasRight ? "-" + subtrahend : "");
            boolean hasOperator = borrow > 0 || hasRight;
            lines.add(expression + (hasOperator ? "=" + value : "") + " write " + value
                    + (borrowsNext ? " borrow 1" : ""));
            borrow = borrowsNext ? 1 : 0;
        }
    }

    private static void multiplyColumns(int[] left, int multiplier, List<String> lines) {
        int carry = 0;
        for (int digit : left) {
            int product = digit * multiplier + carry;
            String expression = digit + "*" + multiplier + (carry > 0 ? "+" + carry : "");
            carry = product / 10;
            lines.add(expression + "=" + product + " write " + product % 10
                    + (carry > 0 ? " carry " + carry : ""));
        }
        if (carry > 0) {
            lines.add("write " + carry);
        }
    }

    private static void addIfPresent(List<Integer> terms, int[] digits, int column) {
        if (column < digits.length) {
            terms.add(digits[column]);
        }
    }

    private static String join(List<Integer> terms, String separator) {
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < terms.size(); i++) {
            joined.append(i > 0 ? separator : "").append(terms.get(i));
        }
        return joined.toString();
    }

    /** Returns the decimal digits of a non-negative value, least significant first. */
    private static int[] digits(long value) {
        String text = Long.toString(value);
        int[] digits = new int[text.length()];
        for (int i = 0; i < digits.length; i++) {
            digits[i] = text.charAt(text.length() - 1 - i) - '0';
        }
        return digits;
    }
}
