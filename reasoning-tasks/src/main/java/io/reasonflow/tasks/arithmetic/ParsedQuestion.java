package io.reasonflow.tasks.arithmetic;

/** A generated question {@code <left><op><right>} split into its parts. */
record ParsedQuestion(long left, Operation operation, long right) {

    /** Parses {@code question}, rejecting anything but two non-negative integers and one operator. */
    static ParsedQuestion parse(String question) {
        for (int i = 1; i < question.length(); i++) {
            char symbol = question.charAt(i);
            if (!isAsciiDigit(symbol)) {
                Operation operation = Operation.fromSymbol(symbol);
                long left = parseOperand(question, question.substring(0, i));
                long right = parseOperand(question, question.substring(i + 1));
                return new ParsedQuestion(left, operation, right);
            }
        }
        throw new IllegalArgumentException("Invalid arithmetic question '" + question
                + "': expected <digits><+|-|*><digits>");
    }

    private static long parseOperand(String question, String operand) {
        if (operand.isEmpty() || !operand.chars().allMatch(c -> isAsciiDigit((char) c))) {
            throw new IllegalArgumentException("Invalid arithmetic question '" + question
                    + "': operand '" + operand + "' is not a non-negative integer");
        }
        return Long.parseLong(operand);
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
