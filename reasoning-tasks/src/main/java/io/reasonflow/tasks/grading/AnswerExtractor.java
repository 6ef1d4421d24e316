package io.reasonflow.tasks.grading;

import java.util.Optional;

/**
 * Extractor of the final answer from a completion.
 *
 * <p>Rules are tried in this order, and the first that matches decides:
 *
 * <ol>
 *   <li>the last {@code <answer>...</answer>} block (the one with the last closing tag), trimmed
 *   <li>the last {@code \boxed{...}} or {@code \fbox{...}} with balanced braces, trimmed
 *   <li>the last line that starts with {@code ####}, the text after it trimmed
 *   <li>after the last "the answer is" (any case) that is followed by one: a math span
 *       ({@code $...$}, {@code $$...$$}, {@code \(...\)} or {@code \[...\]}), or else a number
 *   <li>the last number in the text
 * </ol>
 *
 * <p>A number here is a token as {@link NumberScanner} reads it, with a directly following
 * {@code %} kept, so {@code 25%} stays a percentage.
 *
 * <p>Only the first {@link Grader#MAX_GRADED_CHARS} characters are read, and every rule scans the
 * text a bounded number of times, so extraction is linear in that prefix.
 */
public final class AnswerExtractor {

    private static final String ANSWER_OPEN = "<answer>";
    private static final String ANSWER_CLOSE = "</answer>";
    private static final String BOXED = "\\boxed{";
    private static final String FBOX = "\\fbox{";
    private static final String HASH_MARKER = "####";
    private static final String ANSWER_PHRASE = "the answer is";
    private static final String[][] MATH_DELIMITERS = {{"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};

    /** Maximum length of a math span taken after "the answer is", which keeps the search for its end short. */
    private static final int MAX_SPAN_CHARS = 1_000;

    private AnswerExtractor() {}

    /** Extracts the final answer from {@code completion}, or returns empty when no rule matches. */
    public static Optional<String> extract(String completion) {
        if (completion == null) {
            return Optional.empty();
        }
        String text = Grader.graded(completion);
        String answer = answerBlock(text);
        if (answer == null) {
            answer = boxed(text);
        }
        if (answer == null) {
            answer = hashLine(text);
        }
        if (answer == null) {
            answer = afterAnswerPhrase(text);
        }
        if (answer == null) {
            answer = withPercentSign(text, NumberScanner.lastNumber(text));
        }
        return Optional.ofNullable(answer);
    }

    /** Returns the content of the block whose closing tag comes last, or {@code null}. */
    static String answerBlock(String text) {
        int close = text.lastIndexOf(ANSWER_CLOSE);
        if (close < 0) {
            return null;
        }
        int open = text.lastIndexOf(ANSWER_OPEN, close - ANSWER_OPEN.length());
        return open < 0 ? null : text.substring(open + ANSWER_OPEN.length(), close).strip();
    }

    /**
     * Returns the content of the last balanced {@code \boxed{...}} or {@code \fbox{...}}, or
     * {@code null}.
     *
     * <p>When a later box never closes, no earlier box can close after that later box starts, so
     * each earlier box is scanned only up to it and the whole search stays linear.
     */
    static String boxed(String text) {
        int limit = text.length();
        int start = lastBox(text, text.length());
        while (start >= 0) {
            int contentStart = text.indexOf('{', start) + 1;
            int close = matchingBrace(text, contentStart, limit);
            if (close >= 0) {
                return text.substring(contentStart, close).strip();
            }
            limit = start;
            start = start == 0 ? -1 : lastBox(text, start - 1);
        }
        return null;
    }

    /** Returns the start of the last box command at or before {@code from}, or -1. */
    private static int lastBox(String text, int from) {
        return Math.max(text.lastIndexOf(BOXED, from), text.lastIndexOf(FBOX, from));
    }

    /** Returns the index of the brace closing the one just before {@code from}, or -1. */
    private static int matchingBrace(String text, int from, int limit) {
        int depth = 1;
        for (int i = from; i < limit; i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Returns the non-empty text after the last line-leading {@code ####}, or {@code null}. */
    static String hashLine(String text) {
        int marker = text.lastIndexOf(HASH_MARKER);
        while (marker >= 0) {
            if (startsLine(text, marker)) {
                int lineEnd = text.indexOf('\n', marker);
                String value = text.substring(marker + HASH_MARKER.length(),
                        lineEnd < 0 ? text.length() : lineEnd).strip();
                if (!value.isEmpty()) {
                    return value;
                }
            }
            marker = marker == 0 ? -1 : text.lastIndexOf(HASH_MARKER, marker - 1);
        }
        return null;
    }

    /** Returns whether only spaces or tabs lie between the previous line break and {@code index}. */
    private static boolean startsLine(String text, int index) {
        for (int i = index - 1; i >= 0; i--) {
            char c = text.charAt(i);
            if (c == '\n') {
                return true;
            }
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns the math span or number after the last "the answer is" that is followed by one, or
     * {@code null}.
     */
    static String afterAnswerPhrase(String text) {
        for (int i = text.length() - ANSWER_PHRASE.length(); i >= 0; i--) {
            if (text.regionMatches(true, i, ANSWER_PHRASE, 0, ANSWER_PHRASE.length())) {
                int start = skipSeparators(text, i + ANSWER_PHRASE.length());
                String answer = mathSpanAt(text, start);
                if (answer == null) {
                    answer = withPercentSign(text, NumberScanner.numberAt(text, start), start);
                }
                if (answer != null) {
                    return answer;
                }
            }
        }
        return null;
    }

    /** Returns the trimmed content of the math span that starts at {@code start}, or {@code null}. */
    private static String mathSpanAt(String text, int start) {
        for (String[] delimiters : MATH_DELIMITERS) {
            String open = delimiters[0];
            if (text.startsWith(open, start)) {
                int contentStart = start + open.length();
                int searchEnd = Math.min(text.length(), contentStart + MAX_SPAN_CHARS + delimiters[1].length());
                int close = text.substring(contentStart, searchEnd).indexOf(delimiters[1]);
                String content = close < 0 ? "" : text.substring(contentStart, contentStart + close).strip();
                return content.isEmpty() ? null : content;
            }
        }
        return null;
    }

    /** Appends the {@code %} that directly follows the last occurrence of {@code number}, if any. */
    private static String withPercentSign(String text, String number) {
        return number == null ? null : withPercentSign(text, number, text.lastIndexOf(number));
    }

    private static String withPercentSign(String text, String number, int start) {
        if (number == null) {
            return null;
        }
        int end = start + number.length();
        return end < text.length() && text.charAt(end) == '%' ? number + "%" : number;
    }

    private static int skipSeparators(String text, int index) {
        int position = index;
        while (position < text.length()
                && (Character.isWhitespace(text.charAt(position)) || text.charAt(position) == ':')) {
            position++;
        }
        return position;
    }
}
