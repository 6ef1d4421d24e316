package io.reasonflow.tasks.grading;

/**
 * Linear-time finder of number tokens in free text.
 *
 * <p>A token is an optional {@code -} and/or {@code $}, digits with optional {@code ,ddd}
 * thousands groups, an optional {@code .digits} fraction and an optional {@code /digits}
 * denominator, for example {@code -$1,200.50} or {@code 3/4}. A {@code -} counts as a sign only
 * when no letter or digit precedes it, so {@code 5-3} yields {@code 5} and {@code 3}.
 */
final class NumberScanner {

    private NumberScanner() {}

    /** Returns the last number token in {@code text}, or {@code null} when there is none. */
    static String lastNumber(String text) {
        String last = null;
        int index = 0;
        while (index < text.length()) {
            if (isDigit(text, index)) {
                int end = endOfNumber(text, index);
                last = text.substring(startWithPrefix(text, index), end);
                index = end;
            } else {
                index++;
            }
        }
        return last;
    }

    /**
     * Returns the number token that starts exactly at {@code index}, allowing a leading {@code -},
     * {@code $}, {@code -$} or {@code $-}, or {@code null} when no number starts there.
     */
    static String numberAt(String text, int index) {
        int digits = index;
        if (text.startsWith("-$", index) || text.startsWith("$-", index)) {
            digits += 2;
        } else if (text.startsWith("-", index) || text.startsWith("$", index)) {
            digits++;
        }
        if (!isDigit(text, digits)) {
            return null;
        }
        return text.substring(index, endOfNumber(text, digits));
    }

    private static int startWithPrefix(String text, int digitStart) {
        int start = digitStart;
        if (start > 0 && text.charAt(start - 1) == '$') {
            start--;
        }
        if (start > 0 && text.charAt(start - 1) == '-'
                && (start == 1 || !Character.isLetterOrDigit(text.charAt(start - 2)))) {
            start--;
        }
        return start;
    }

    private static int endOfNumber(String text, int digitStart) {
        int end = skipDigits(text, digitStart);
        while (isThousandsGroup(text, end)) {
            end += 4;
        }
        if (end < text.length() && text.charAt(end) == '.' && isDigit(text, end + 1)) {
            end = skipDigits(text, end + 1);
        }
        if (end < text.length() && text.charAt(end) == '/' && isDigit(text, end + 1)) {
            end = skipDigits(text, end + 1);
        }
        return end;
    }

    /** Returns whether {@code ,ddd} starts at {@code index} and no fourth digit follows. */
    private static boolean isThousandsGroup(String text, int index) {
        return index < text.length() && text.charAt(index) == ','
                && isDigit(text, index + 1) && isDigit(text, index + 2) && isDigit(text, index + 3)
                && !isDigit(text, index + 4);
    }

    private static int skipDigits(String text, int index) {
        int end = index;
        while (isDigit(text, end)) {
            end++;
        }
        return end;
    }

    static boolean isDigit(String text, int index) {
        if (index < 0 || index >= text.length()) {
            return false;
        }
        char c = text.charAt(index);
        return c >= '0' && c <= '9';
    }
}
