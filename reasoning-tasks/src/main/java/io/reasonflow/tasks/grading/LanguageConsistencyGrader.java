package io.reasonflow.tasks.grading;

import java.lang.Character.UnicodeScript;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Grader named {@code language_consistency}: the language consistency reward of DeepSeek-R1, the
 * share of the words in the reasoning that are in the target language.
 *
 * <p>The reasoning is the text between {@code <think>} and {@code </think>}; without a closing tag,
 * the text from {@code <think>} to {@code <answer>} or the end; with only {@code </think>} (a prompt
 * that ends with {@code <think>}), the text before it; with no think tag, the text before
 * {@code <answer>}, or the whole completion. Only the first {@link Grader#MAX_GRADED_CHARS} characters
 * of the completion are read.
 *
 * <p>Words are counted per script: a run of letters of one script (apostrophes and hyphens inside
 * allowed) is one word, and every Han, Hiragana, Katakana or Hangul character is a word of its own.
 * Numbers and mathematics are ignored: math spans ({@code $...$}, {@code \(...\)}, {@code \[...\]}),
 * LaTeX commands, whitespace-separated tokens that hold a digit or one of {@code = + * / ^ _ < > |},
 * and one-letter Latin words, which are usually variables. A word counts for the target language when
 * its script is one of the language's scripts, so English is recognised by the Latin script and is not
 * distinguished from other Latin-script languages. The score is target words divided by all counted words,
 * and 0.0 when the reasoning has no counted word. The score is deterministic and never {@code null}.
 */
public final class LanguageConsistencyGrader implements Grader {

    /** Name under which language consistency scores are reported. */
    public static final String NAME = "language_consistency";

    /** Target languages, each identified by the scripts its words are written in. */
    public enum TargetLanguage {
        ENGLISH(EnumSet.of(UnicodeScript.LATIN)),
        CHINESE(EnumSet.of(UnicodeScript.HAN)),
        JAPANESE(EnumSet.of(UnicodeScript.HAN, UnicodeScript.HIRAGANA, UnicodeScript.KATAKANA)),
        KOREAN(EnumSet.of(UnicodeScript.HANGUL)),
        RUSSIAN(EnumSet.of(UnicodeScript.CYRILLIC));

        private final Set<UnicodeScript> scripts;

        TargetLanguage(Set<UnicodeScript> scripts) {
            this.scripts = scripts;
        }
    }

    private static final String THINK_OPEN = "<think>";
    private static final String THINK_CLOSE = "</think>";
    private static final String ANSWER_OPEN = "<answer>";
    private static final String MATH_TOKEN_CHARACTERS = "=+*/^_<>|";
    private static final String[][] MATH_SPANS = {{"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};

    private final TargetLanguage target;

    /** Creates the grader for English. */
    public LanguageConsistencyGrader() {
        this(TargetLanguage.ENGLISH);
    }

    /** Creates the grader for {@code target}. */
    public LanguageConsistencyGrader(TargetLanguage target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /**
     * Returns the target language named by {@code name}, an enum name or an ISO 639-1 code such as
     * {@code en} or {@code zh}, in any case.
     *
     * @throws IllegalArgumentException when the language is not supported
     */
    public static TargetLanguage language(String name) {
        String key = name.strip().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "en", "english" -> TargetLanguage.ENGLISH;
            case "zh", "chinese" -> TargetLanguage.CHINESE;
            case "ja", "japanese" -> TargetLanguage.JAPANESE;
            case "ko", "korean" -> TargetLanguage.KOREAN;
            case "ru", "russian" -> TargetLanguage.RUSSIAN;
            default -> throw new IllegalArgumentException("unsupported target language '" + name
                    + "', expected one of en, zh, ja, ko, ru");
        };
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Double grade(String completion, String referenceAnswer) {
        if (completion == null) {
            return 0.0;
        }
        String reasoning = withoutMathSpans(reasoning(Grader.graded(completion)));
        long targetWords = 0;
        long allWords = 0;
        for (String token : reasoning.split("\\s+")) {
            if (token.isEmpty() || isMathToken(token)) {
                continue;
            }
            WordCounts counts = countWords(token);
            targetWords += counts.target();
            allWords += counts.all();
        }
        return allWords == 0 ? 0.0 : (double) targetWords / allWords;
    }

    /** Returns the reasoning part of {@code text} as the class comment defines it. */
    static String reasoning(String text) {
        int open = text.indexOf(THINK_OPEN);
        if (open >= 0) {
            int start = open + THINK_OPEN.length();
            int close = text.indexOf(THINK_CLOSE, start);
            if (close >= 0) {
                return text.substring(start, close);
            }
            int answer = text.indexOf(ANSWER_OPEN, start);
            return text.substring(start, answer >= 0 ? answer : text.length());
        }
        int close = text.indexOf(THINK_CLOSE);
        if (close >= 0) {
            return text.substring(0, close);
        }
        int answer = text.indexOf(ANSWER_OPEN);
        return answer >= 0 ? text.substring(0, answer) : text;
    }

    /**
     * Replaces closed math spans with a space; an unclosed opening delimiter is left as it is. Once
     * a closing delimiter is missing after some position it is missing after every later one, so each
     * kind is searched for in vain at most once and the scan stays linear.
     */
    private static String withoutMathSpans(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean[] noCloseLeft = new boolean[MATH_SPANS.length];
        int i = 0;
        while (i < text.length()) {
            int skipTo = -1;
            for (int kind = 0; kind < MATH_SPANS.length; kind++) {
                String[] span = MATH_SPANS[kind];
                if (text.startsWith(span[0], i)) {
                    int close = noCloseLeft[kind] ? -1 : text.indexOf(span[1], i + span[0].length());
                    noCloseLeft[kind] = close < 0;
                    skipTo = close < 0 ? -1 : close + span[1].length();
                    break;
                }
            }
            if (skipTo > 0) {
                out.append(' ');
                i = skipTo;
            } else {
                out.append(text.charAt(i));
                i++;
            }
        }
        return out.toString();
    }

    private static boolean isMathToken(String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (Character.isDigit(c) || MATH_TOKEN_CHARACTERS.indexOf(c) >= 0 || c == '\\') {
                return true;
            }
        }
        return false;
    }

    private record WordCounts(long target, long all) {}

    private WordCounts countWords(String token) {
        long targetWords = 0;
        long allWords = 0;
        int i = 0;
        while (i < token.length()) {
            int codePoint = token.codePointAt(i);
            if (!Character.isLetter(codePoint)) {
                i += Character.charCount(codePoint);
                continue;
            }
            UnicodeScript script = UnicodeScript.of(codePoint);
            int end = i + Character.charCount(codePoint);
            if (!isCharacterWordScript(script)) {
                end = endOfWord(token, end, script);
            }
            int letters = token.codePointCount(i, end);
            boolean variable = script == UnicodeScript.LATIN && letters == 1;
            if (!variable) {
                allWords++;
                if (target.scripts.contains(script)) {
                    targetWords++;
                }
            }
            i = end;
        }
        return new WordCounts(targetWords, allWords);
    }

    /** Returns the end of the word of {@code script} that continues at {@code from}. */
    private static int endOfWord(String token, int from, UnicodeScript script) {
        int end = from;
        while (end < token.length()) {
            int codePoint = token.codePointAt(end);
            boolean sameScriptLetter = (Character.isLetter(codePoint) || Character.getType(codePoint) == Character.NON_SPACING_MARK)
                    && (UnicodeScript.of(codePoint) == script || UnicodeScript.of(codePoint) == UnicodeScript.INHERITED);
            boolean joiner = (codePoint == '\'' || codePoint == '-' || codePoint == '\u2019')
                    && end + 1 < token.length() && Character.isLetter(token.codePointAt(end + 1));
            if (!sameScriptLetter && !joiner) {
                break;
            }
            end += Character.charCount(codePoint);
        }
        return end;
    }

    private static boolean isCharacterWordScript(UnicodeScript script) {
        return script == UnicodeScript.HAN || script == UnicodeScript.HIRAGANA || script == UnicodeScript.KATAKANA
                || script == UnicodeScript.HANGUL;
    }
}
