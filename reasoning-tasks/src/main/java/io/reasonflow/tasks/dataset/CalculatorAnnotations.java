package io.reasonflow.tasks.dataset;

/** Remover of GSM8K calculator annotations such as {@code <<48/2=24>>}. */
final class CalculatorAnnotations {

    private CalculatorAnnotations() {}

    /**
     * Removes every {@code <<...>>} span. An opening {@code <<} without a closing {@code >>} is
     * kept as text.
     */
    static String remove(String text) {
        StringBuilder result = new StringBuilder(text.length());
        int position = 0;
        while (position < text.length()) {
            int open = text.indexOf("<<", position);
            int close = open < 0 ? -1 : text.indexOf(">>", open + 2);
            if (close < 0) {
                result.append(text, position, text.length());
                break;
            }
            result.append(text, position, open);
            position = close + 2;
        }
        return result.toString();
    }
}
