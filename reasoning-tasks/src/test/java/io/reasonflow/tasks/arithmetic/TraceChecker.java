package io.reasonflow.tasks.arithmetic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/**
 * Independent replay of a column trace: re-evaluates every column line, checks the digit written
 * and the carry or borrow, and rebuilds the result from the written digits.
 */
final class TraceChecker {

    private TraceChecker() {}

    /** Replays {@code completion} and returns the result rebuilt from its written digits. */
    static long replay(String completion) {
        assertThat(completion).startsWith("<think>\n").contains("\n</think>\n<answer>")
                .endsWith("</answer>");
        String think = completion.substring("<think>\n".length(), completion.indexOf("\n</think>"));
        List<String> lines = List.of(think.split("\n"));
        String header = lines.get(0);
        boolean subtraction = header.contains("-");

        StringBuilder written = new StringBuilder();
        int carried = 0;
        for (String line : lines.subList(1, lines.size() - 1)) {
            carried = checkColumn(line, subtraction, carried, written);
        }
        String rebuilt = written.reverse().toString().replaceFirst("^0+(?=\\d)", "");
        String lastLine = lines.get(lines.size() - 1);
        assertThat(lastLine).isEqualTo("=" + rebuilt);

        String answer = completion.substring(completion.indexOf("<answer>") + 8,
                completion.indexOf("</answer>"));
        assertThat(answer).isEqualTo(rebuilt);
        return Long.parseLong(rebuilt);
    }

    /** Checks one column line and returns the carry or borrow it passes on. */
    private static int checkColumn(String line, boolean subtraction, int carriedIn, StringBuilder written) {
        if (line.startsWith("write ")) {
            int digit = Integer.parseInt(line.substring(6));
            assertThat(digit).as(line).isEqualTo(carriedIn);
            written.append(digit);
            return 0;
        }

        String[] parts = line.split(" ");
        String expression = parts[0];
        assertThat(parts[1]).as(line).isEqualTo("write");
        int digit = Integer.parseInt(parts[2]);
        int carriedOut = parts.length > 3 ? Integer.parseInt(parts[4]) : 0;
        int equals = expression.indexOf('=');
        String terms = equals >= 0 ? expression.substring(0, equals) : expression;
        long value = Long.parseLong(equals >= 0 ? expression.substring(equals + 1) : expression);
        assertThat(evaluate(terms)).as(line).isEqualTo(value);

        if (subtraction) {
            checkSubtractionColumn(line, terms, value, digit, carriedIn, carriedOut);
        } else {
            assertThat(digit).as(line).isEqualTo((int) (value % 10));
            assertThat(carriedOut).as(line).isEqualTo((int) (value / 10));
            if (carriedIn > 0) {
                assertThat(terms).as(line).endsWith("+" + carriedIn);
            }
        }
        written.append(digit);
        return carriedOut;
    }

    /** Checks that a subtraction column writes its value and borrows exactly when it took 10. */
    private static void checkSubtractionColumn(String line, String terms, long value, int digit,
            int carriedIn, int carriedOut) {
        assertThat(value).as(line).isBetween(0L, 9L);
        assertThat(digit).as(line).isEqualTo((int) value);
        String[] operands = terms.split("-");
        assertThat(operands[0].length() == 2).as(line).isEqualTo(carriedOut == 1);
        if (carriedIn == 1) {
            assertThat(operands.length).as(line).isGreaterThan(1);
            assertThat(operands[1]).as(line).isEqualTo("1");
        }
    }

    /** Evaluates terms joined by {@code +}, {@code -} and {@code *}, with {@code *} first. */
    private static long evaluate(String terms) {
        long total = 0;
        for (String sum : terms.replace("-", "+-").split("\\+")) {
            if (sum.isEmpty()) {
                continue;
            }
            long product = 1;
            for (String factor : sum.split("\\*")) {
                product *= Long.parseLong(factor);
            }
            total += product;
        }
        return total;
    }
}
