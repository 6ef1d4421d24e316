package io.reasonflow.tasks.grading;

import io.reasonflow.tasks.grading.Expr.Constant;
import io.reasonflow.tasks.grading.Expr.Function;
import io.reasonflow.tasks.grading.ParsedAnswer.Element;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parser of a final answer, written in plain text or LaTeX, into a {@link ParsedAnswer}.
 *
 * <p>The same rules apply to the extracted answer and to the reference answer. Text is first
 * normalised: {@code $}, {@code \(}, {@code \)}, {@code \[}, {@code \]}, {@code \left},
 * {@code \right} and spacing commands are removed; {@code \boxed}, {@code \fbox}, {@code \text},
 * {@code \mathrm} and similar wrappers are replaced by their content; {@code \dfrac} and
 * {@code \tfrac} become {@code \frac}; {@code \cdot} and {@code \times} are multiplication; degree
 * signs are dropped; {@code {,}} and {@code \,} inside numbers are dropped; a trailing period is
 * dropped. The structure is then read:
 *
 * <ul>
 *   <li>a top-level {@code \cup} makes a union of intervals or sets;
 *   <li>{@code \{a, b\}} is a set; {@code (a, b)}, {@code [a, b]}, {@code [a, b)} and
 *       {@code (a, b]} are ordered sequences (tuples or intervals) that keep their brackets;
 *   <li>a comma outside brackets separates list elements ({@code 0,1}) unless it is a thousands
 *       separator: one to three digits not starting with {@code 0}, then groups of exactly three
 *       digits ({@code 115,000}). Inside brackets every comma separates elements;
 *   <li>of an equation or membership ({@code x = 5}, {@code x \in [0, 1]}) only the right-most side
 *       counts.
 * </ul>
 *
 * <p>Each element may end in units, which are dropped: words after a space ({@code 5 apples},
 * {@code 5\text{ cm}}) or a known unit written right after the number ({@code 5cm}). A single letter
 * is never a unit. A trailing {@code %}, {@code \%} or word {@code percent} marks a percentage, and a
 * trailing {@code thousand}, {@code million}, {@code billion} or {@code trillion} multiplies the value.
 * The rest is an expression: numbers (decimals, thousands groups, scientific notation such as
 * {@code 1.5e3}), single-letter variables with optional subscripts, {@code \pi}, {@code e},
 * {@code i}, {@code \infty}, {@code + - * / ^ !}, {@code \frac} (also {@code \frac12}), mixed
 * numbers ({@code 2\frac{1}{2}}), {@code \sqrt}, {@code \sqrt[n]}, absolute values, trigonometric
 * and hyperbolic functions, {@code \ln}, {@code \log} (natural) and {@code \exp}. Juxtaposition is
 * multiplication ({@code 2x}, {@code 3\sqrt{2}}); a run of up to four letters that touches a digit,
 * operator or bracket is a product of variables ({@code 2xy}, {@code (ab)}). Any other word makes the
 * text an answer that is not mathematics, as does an unknown LaTeX command.
 */
final class AnswerParser {

    /** Longest answer text parsed; longer text is reported as {@link Status#TOO_LONG}. */
    static final int MAX_ANSWER_CHARS = 1_000;

    /** Deepest nesting of brackets, fractions and operators parsed. */
    static final int MAX_NESTING = 64;

    /** Maximum number of elements in a sequence, set or union. */
    static final int MAX_ELEMENTS = 32;

    /** Maximum number of letters read as a product of single-letter variables, as in {@code 2xy}. */
    static final int MAX_LETTER_PRODUCT = 4;

    /** Largest decimal exponent of a number in scientific notation. */
    static final int MAX_DECIMAL_EXPONENT = 1_000;

    /** Outcome of parsing. */
    enum Status {
        /** The text is a mathematical answer. */
        PARSED,
        /** The text is not a mathematical answer under these rules. */
        NOT_MATH,
        /** The text is longer than {@link #MAX_ANSWER_CHARS}. */
        TOO_LONG,
        /** The text exceeds a nesting, element or number-size limit. */
        LIMIT_EXCEEDED
    }

    /** Result of parsing: the answer when {@code status} is {@link Status#PARSED}, else null. */
    record Result(Status status, ParsedAnswer answer) {

        static Result of(Status status) {
            return new Result(status, null);
        }
    }

    /** Set braces {@code \{} and {@code \}}, kept apart from grouping braces after normalisation. */
    static final char SET_OPEN = '\u2983';
    static final char SET_CLOSE = '\u2984';

    private static final char PI = '\u03c0';
    private static final char INFINITY = '\u221e';
    private static final char UNION = '\u222a';
    private static final char ELEMENT_OF = '\u2208';

    private static final Set<String> DROPPED_COMMANDS = Set.of("left", "right", "big", "Big", "bigg", "Bigg",
            "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr", "displaystyle", "textstyle",
            "limits", "quad", "qquad", "circ", "degree", "mathstrut", "middle");
    private static final Set<String> WRAPPER_COMMANDS = Set.of("boxed", "fbox", "text", "textbf", "textit",
            "textrm", "textnormal", "textup", "textsf", "texttt", "mathrm", "mathbf", "mathit", "mathsf",
            "mathtt", "mathnormal", "mbox", "hbox", "operatorname", "emph", "bm", "boldsymbol");
    private static final Map<String, String> REPLACED_COMMANDS = Map.ofEntries(
            Map.entry("dfrac", "\\frac"), Map.entry("tfrac", "\\frac"), Map.entry("cfrac", "\\frac"),
            Map.entry("cdot", "*"), Map.entry("times", "*"), Map.entry("ast", "*"), Map.entry("div", "/"),
            Map.entry("pi", String.valueOf(PI)), Map.entry("infty", String.valueOf(INFINITY)),
            Map.entry("cup", String.valueOf(UNION)), Map.entry("in", String.valueOf(ELEMENT_OF)),
            Map.entry("lbrace", String.valueOf(SET_OPEN)), Map.entry("rbrace", String.valueOf(SET_CLOSE)));
    private static final Map<String, Function> FUNCTIONS = Map.ofEntries(
            Map.entry("sqrt", Function.SQRT), Map.entry("sin", Function.SIN), Map.entry("cos", Function.COS),
            Map.entry("tan", Function.TAN), Map.entry("sec", Function.SEC), Map.entry("csc", Function.CSC),
            Map.entry("cot", Function.COT), Map.entry("arcsin", Function.ARCSIN),
            Map.entry("arccos", Function.ARCCOS), Map.entry("arctan", Function.ARCTAN),
            Map.entry("sinh", Function.SINH), Map.entry("cosh", Function.COSH), Map.entry("tanh", Function.TANH),
            Map.entry("ln", Function.LN), Map.entry("log", Function.LOG), Map.entry("exp", Function.EXP),
            Map.entry("abs", Function.ABS));
    private static final Set<String> INFINITY_WORDS = Set.of("inf", "infty", "infinity");
    private static final Set<String> PERCENT_WORDS = Set.of("percent", "percentage", "pct");
    private static final Map<String, Rational> SCALE_WORDS = Map.of("thousand", Rational.of(1_000L),
            "million", Rational.of(1_000_000L), "billion", Rational.of(1_000_000_000L),
            "trillion", Rational.of(1_000_000_000_000L));

    /** Unit names recognised even when written right after the number, as in {@code 5cm}. */
    private static final Set<String> KNOWN_UNITS = Set.of("mm", "cm", "dm", "km", "mg", "kg", "lb", "lbs", "oz",
            "ft", "yd", "mi", "mph", "kph", "sec", "secs", "min", "mins", "hr", "hrs", "ml", "cc", "usd", "cents",
            "dollars", "deg", "degrees", "rad", "sq", "units");

    private AnswerParser() {}

    /** Parses {@code text} with the rules in the class comment. */
    static Result parse(String text) {
        if (text == null) {
            return Result.of(Status.NOT_MATH);
        }
        if (text.length() > MAX_ANSWER_CHARS) {
            return Result.of(Status.TOO_LONG);
        }
        try {
            String normalized = normalize(text);
            if (normalized.isEmpty()) {
                return Result.of(Status.NOT_MATH);
            }
            return new Result(Status.PARSED, parseStructure(normalized));
        } catch (NotMathException e) {
            return Result.of(Status.NOT_MATH);
        } catch (LimitException e) {
            return Result.of(Status.LIMIT_EXCEEDED);
        }
    }

    // ---------------------------------------------------------------- normalisation

    /** Applies the normalisation described in the class comment. */
    static String normalize(String text) {
        String source = text.replace("^{\\circ}", "").replace("^\\circ", "").replace("{,}", "");
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '\\') {
                int nameEnd = i + 1;
                while (nameEnd < source.length() && isAsciiLetter(source.charAt(nameEnd))) {
                    nameEnd++;
                }
                if (nameEnd > i + 1) {
                    String name = source.substring(i + 1, nameEnd);
                    if (WRAPPER_COMMANDS.contains(name)) {
                        source = unwrap(source, i, nameEnd);
                        continue;
                    }
                    i = appendCommand(name, source, nameEnd, out);
                } else {
                    appendEscapedSymbol(nameEnd < source.length() ? source.charAt(nameEnd) : ' ', out);
                    i = nameEnd + 1;
                }
                continue;
            }
            appendCharacter(c, out);
            i++;
        }
        return stripTrailingPunctuation(out.toString().strip());
    }

    /** Replaces the command at {@code start} and its braced argument by the argument between spaces. */
    private static String unwrap(String source, int start, int nameEnd) {
        int open = nameEnd;
        while (open < source.length() && source.charAt(open) == ' ') {
            open++;
        }
        if (open >= source.length() || source.charAt(open) != '{') {
            throw new NotMathException();
        }
        int close = matchingBrace(source, open);
        return source.substring(0, start) + " " + source.substring(open + 1, close) + " "
                + source.substring(close + 1);
    }

    private static int matchingBrace(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new NotMathException();
    }

    private static int appendCommand(String name, String source, int nameEnd, StringBuilder out) {
        if (DROPPED_COMMANDS.contains(name)) {
            boolean delimiterCommand = name.equals("left") || name.equals("right") || name.equals("middle");
            if (delimiterCommand && nameEnd < source.length() && source.charAt(nameEnd) == '.') {
                return nameEnd + 1;
            }
            out.append(' ');
            return nameEnd;
        }
        String replacement = REPLACED_COMMANDS.get(name);
        if (replacement != null) {
            out.append(' ').append(replacement).append(' ');
            return nameEnd;
        }
        out.append('\\').append(name).append(' ');
        return nameEnd;
    }

    private static void appendEscapedSymbol(char symbol, StringBuilder out) {
        switch (symbol) {
            case ',', '!', ';', ':', '$', '>' -> {
                // Spacing and the escaped dollar sign carry no value.
            }
            case ' ', '(', ')', '[', ']', '\\' -> out.append(' ');
            case '%' -> out.append('%');
            case '{' -> out.append(SET_OPEN);
            case '}' -> out.append(SET_CLOSE);
            default -> throw new NotMathException();
        }
    }

    private static void appendCharacter(char c, StringBuilder out) {
        switch (c) {
            case '$' -> {
                // Math delimiters and currency signs carry no value.
            }
            case '~', '\n', '\r', '\t' -> out.append(' ');
            case '\u2212', '\u2013', '\u2014' -> out.append('-');
            case '\u00d7', '\u00b7', '\u22c5', '\u2219' -> out.append('*');
            case '\u00f7' -> out.append('/');
            case '\u00b0' -> {
                // A degree sign is dropped.
            }
            case '\u221a' -> out.append("\\sqrt ");
            default -> out.append(c);
        }
    }

    private static String stripTrailingPunctuation(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '.' || text.charAt(end - 1) == ';'
                || Character.isWhitespace(text.charAt(end - 1)))) {
            end--;
        }
        return text.substring(0, end);
    }

    // ---------------------------------------------------------------- structure

    private static ParsedAnswer parseStructure(String text) {
        List<String> unionParts = splitTopLevel(text, UNION, false);
        if (unionParts.size() > 1) {
            checkElementCount(unionParts.size());
            List<ParsedAnswer> parts = new ArrayList<>();
            for (String part : unionParts) {
                ParsedAnswer parsed = parseUnionPart(part.strip());
                parts.add(parsed);
            }
            return ParsedAnswer.union(parts);
        }
        List<String> listParts = splitTopLevel(text, ',', true);
        if (listParts.size() > 1) {
            checkElementCount(listParts.size());
            List<Element> elements = new ArrayList<>();
            for (String part : listParts) {
                elements.add(parseElement(part));
            }
            return ParsedAnswer.sequence((char) 0, (char) 0, elements);
        }
        String value = rightOfRelation(text);
        ParsedAnswer bracketed = parseBracketed(value);
        return bracketed != null ? bracketed : ParsedAnswer.single(parseElement(value));
    }

    private static ParsedAnswer parseUnionPart(String part) {
        ParsedAnswer bracketed = parseBracketed(part);
        if (bracketed == null) {
            throw new NotMathException();
        }
        return bracketed;
    }

    /**
     * Parses a sequence or set whose brackets enclose the whole text, or returns {@code null} when
     * the text is not enclosed that way or the brackets hold a single value without a comma.
     */
    private static ParsedAnswer parseBracketed(String text) {
        if (text.length() < 2) {
            return null;
        }
        char open = text.charAt(0);
        char close = text.charAt(text.length() - 1);
        boolean setBraces = open == SET_OPEN || open == '{';
        boolean sequenceBrackets = (open == '(' || open == '[') && (close == ')' || close == ']');
        if (!(setBraces && (close == SET_CLOSE || close == '}')) && !sequenceBrackets) {
            return null;
        }
        if (closingIndex(text, 0) != text.length() - 1) {
            return null;
        }
        String inner = text.substring(1, text.length() - 1);
        List<String> parts = splitTopLevel(inner, ',', false);
        if (parts.size() == 1 && !(open == SET_OPEN)) {
            return null;
        }
        checkElementCount(parts.size());
        List<Element> elements = new ArrayList<>();
        for (String part : parts) {
            elements.add(parseElement(part));
        }
        return setBraces ? ParsedAnswer.set(elements) : ParsedAnswer.sequence(open, close, elements);
    }

    /** Returns the index of the bracket closing the one at {@code open}, or -1. */
    private static int closingIndex(String text, int open) {
        int depth = 0;
        for (int i = open; i < text.length(); i++) {
            if (isOpening(text.charAt(i))) {
                depth++;
            } else if (isClosing(text.charAt(i)) && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Splits at {@code separator} outside brackets, keeping thousands separators when allowed. */
    private static List<String> splitTopLevel(String text, char separator, boolean allowThousands) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isOpening(c)) {
                depth++;
                checkNesting(depth);
            } else if (isClosing(c)) {
                depth--;
            } else if (c == separator && depth == 0 && !(allowThousands && isThousandsComma(text, i))) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    /** Returns whether the comma at {@code index} separates thousands, as described in the class comment. */
    static boolean isThousandsComma(String text, int index) {
        if (!isDigit(text, index + 1) || !isDigit(text, index + 2) || !isDigit(text, index + 3)
                || isDigit(text, index + 4)) {
            return false;
        }
        int comma = index;
        while (true) {
            int runStart = comma;
            while (isDigit(text, runStart - 1)) {
                runStart--;
            }
            int run = comma - runStart;
            if (run == 3 && runStart > 0 && text.charAt(runStart - 1) == ',') {
                comma = runStart - 1;
                continue;
            }
            if (run < 1 || run > 3) {
                return false;
            }
            if (runStart > 0 && (text.charAt(runStart - 1) == '.' || text.charAt(runStart - 1) == ',')) {
                return false;
            }
            return text.charAt(runStart) != '0';
        }
    }

    private static String rightOfRelation(String text) {
        int depth = 0;
        int cut = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isOpening(c)) {
                depth++;
            } else if (isClosing(c)) {
                depth--;
            } else if ((c == '=' || c == ELEMENT_OF) && depth == 0) {
                cut = i;
            }
        }
        String right = cut < 0 ? text : text.substring(cut + 1).strip();
        if (right.isEmpty()) {
            throw new NotMathException();
        }
        return right;
    }

    private static void checkElementCount(int count) {
        if (count > MAX_ELEMENTS) {
            throw new LimitException();
        }
    }

    private static void checkNesting(int depth) {
        if (depth > MAX_NESTING) {
            throw new LimitException();
        }
    }

    // ---------------------------------------------------------------- elements

    private static Element parseElement(String text) {
        String value = rightOfRelation(text.strip());
        UnitWords words = new UnitWords();
        value = stripUnits(value, words).strip();
        boolean percent = words.percent;
        if (value.endsWith("%")) {
            percent = true;
            value = value.substring(0, value.length() - 1).strip();
        }
        if (value.isEmpty()) {
            throw new NotMathException();
        }
        List<Token> tokens = new Tokenizer(value).tokenize();
        Expr expr = new ExpressionParser(tokens).parseAll();
        if (words.scale != null) {
            expr = new Expr.Mul(expr, new Expr.Num(words.scale));
        }
        return new Element(expr, percent);
    }

    /** Meaning of the removed trailing words beyond units: a percentage and a scale such as million. */
    private static final class UnitWords {
        boolean percent;
        Rational scale;
    }

    /**
     * Removes trailing unit words as described in the class comment. A word after {@code /}, as in
     * {@code km/h}, may be a single letter, and is removed only together with the word before it.
     */
    private static String stripUnits(String text, UnitWords words) {
        int cut = text.length();
        int end = text.length();
        while (true) {
            int wordEnd = end;
            while (wordEnd > 0 && text.charAt(wordEnd - 1) == ' ') {
                wordEnd--;
            }
            wordEnd = skipUnitPower(text, wordEnd);
            int wordStart = wordEnd;
            while (wordStart > 0 && isAsciiLetter(text.charAt(wordStart - 1))) {
                wordStart--;
            }
            if (wordStart == wordEnd || wordStart == 0) {
                break;
            }
            String word = text.substring(wordStart, wordEnd).toLowerCase(Locale.ROOT);
            char before = text.charAt(wordStart - 1);
            boolean denominator = before == '/' && isAsciiLetter(text.charAt(Math.max(wordStart - 2, 0)));
            boolean unit = !isMathName(word) && (denominator
                    || word.length() >= 2 && (before == ' ' || KNOWN_UNITS.contains(word) && isDigit(text, wordStart - 1)));
            if (!unit || text.substring(0, wordStart).isBlank()) {
                break;
            }
            if (PERCENT_WORDS.contains(word)) {
                words.percent = true;
            }
            Rational scale = SCALE_WORDS.get(word);
            if (scale != null && words.scale == null) {
                words.scale = scale;
            }
            if (!denominator) {
                cut = wordStart;
            }
            end = denominator ? wordStart - 1 : wordStart;
        }
        return text.substring(0, cut);
    }

    /** Skips a trailing {@code ^2} or {@code ^{2}} of a unit such as {@code cm^2}. */
    private static int skipUnitPower(String text, int end) {
        int position = end;
        if (position > 0 && text.charAt(position - 1) == '}') {
            position--;
        }
        int digitsEnd = position;
        while (isDigit(text, position - 1)) {
            position--;
        }
        if (position == digitsEnd) {
            return end;
        }
        if (position > 0 && text.charAt(position - 1) == '{') {
            position--;
        }
        if (position > 0 && text.charAt(position - 1) == '^') {
            int unitEnd = position - 1;
            return unitEnd > 0 && isAsciiLetter(text.charAt(unitEnd - 1)) ? unitEnd : end;
        }
        return end;
    }

    private static boolean isMathName(String word) {
        return FUNCTIONS.containsKey(word) || INFINITY_WORDS.contains(word) || word.equals("pi");
    }

    // ---------------------------------------------------------------- tokens

    private enum TokenType { NUMBER, VARIABLE, CONSTANT, FUNCTION, FRAC, OPERATOR, OPEN, CLOSE }

    private record Token(TokenType type, char symbol, Rational number, String name, Constant constant,
            Function function, boolean integerLiteral) {

        static Token number(Rational value, boolean integerLiteral) {
            return new Token(TokenType.NUMBER, (char) 0, value, null, null, null, integerLiteral);
        }

        static Token variable(String name) {
            return new Token(TokenType.VARIABLE, (char) 0, null, name, null, null, false);
        }

        static Token constant(Constant constant) {
            return new Token(TokenType.CONSTANT, (char) 0, null, null, constant, null, false);
        }

        static Token function(Function function) {
            return new Token(TokenType.FUNCTION, (char) 0, null, null, null, function, false);
        }

        static Token symbol(TokenType type, char symbol) {
            return new Token(type, symbol, null, null, null, null, false);
        }

        boolean is(TokenType expected, char expectedSymbol) {
            return type == expected && symbol == expectedSymbol;
        }
    }

    /** Splits an element into tokens. */
    private static final class Tokenizer {
        private final String text;
        private final List<Token> tokens = new ArrayList<>();
        private int position;
        private int pendingSingleCharacterArguments;

        Tokenizer(String text) {
            this.text = text;
        }

        List<Token> tokenize() {
            while (position < text.length()) {
                char c = text.charAt(position);
                if (pendingSingleCharacterArguments > 0 && readSingleCharacterArgument()) {
                    continue;
                }
                if (Character.isWhitespace(c)) {
                    position++;
                } else if (isDigit(text, position) || c == '.' && isDigit(text, position + 1)) {
                    readNumber();
                } else if (isAsciiLetter(c)) {
                    readWord();
                } else if (c == '\\') {
                    readCommand();
                } else {
                    readSymbol(c);
                }
            }
            return tokens;
        }

        /** Reads the digit or letter that LaTeX takes as an unbraced argument, as in {@code \frac12}. */
        private boolean readSingleCharacterArgument() {
            int next = position;
            while (next < text.length() && text.charAt(next) == ' ') {
                next++;
            }
            if (next < text.length() && isDigit(text, next)) {
                tokens.add(Token.number(Rational.of(text.charAt(next) - '0'), true));
            } else if (next < text.length() && isAsciiLetter(text.charAt(next))) {
                tokens.add(letterToken(text.charAt(next), ""));
            } else {
                pendingSingleCharacterArguments = 0;
                return false;
            }
            pendingSingleCharacterArguments--;
            position = next + 1;
            return true;
        }

        private void readNumber() {
            int start = position;
            int end = position;
            while (isDigit(text, end)) {
                end++;
            }
            while (end < text.length() && text.charAt(end) == ',' && isThousandsComma(text, end)) {
                end += 4;
            }
            boolean integerLiteral = true;
            if (end < text.length() && text.charAt(end) == '.' && isDigit(text, end + 1)) {
                integerLiteral = false;
                end++;
                while (isDigit(text, end)) {
                    end++;
                }
            }
            String mantissa = text.substring(start, end).replace(",", "");
            int exponent = 0;
            int exponentEnd = scientificExponentEnd(end);
            if (exponentEnd > 0) {
                String digits = text.substring(end + 1, exponentEnd);
                if (digits.replace("+", "").replace("-", "").length() > 4) {
                    throw new LimitException();
                }
                exponent = Integer.parseInt(digits.startsWith("+") ? digits.substring(1) : digits);
                if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT) {
                    throw new LimitException();
                }
                integerLiteral = false;
                end = exponentEnd;
            }
            BigDecimal value = new BigDecimal(mantissa).scaleByPowerOfTen(exponent);
            tokens.add(Token.number(Rational.of(value), integerLiteral));
            position = end;
        }

        /** Returns the end of an {@code e3} or {@code E-4} exponent starting at {@code index}, or -1. */
        private int scientificExponentEnd(int index) {
            if (index >= text.length() || (text.charAt(index) != 'e' && text.charAt(index) != 'E')) {
                return -1;
            }
            int digits = index + 1;
            if (digits < text.length() && (text.charAt(digits) == '+' || text.charAt(digits) == '-')) {
                digits++;
            }
            if (!isDigit(text, digits)) {
                return -1;
            }
            int end = digits;
            while (isDigit(text, end)) {
                end++;
            }
            return end < text.length() && isAsciiLetter(text.charAt(end)) ? -1 : end;
        }

        private void readWord() {
            int end = position;
            while (end < text.length() && isAsciiLetter(text.charAt(end))) {
                end++;
            }
            String word = text.substring(position, end);
            String lower = word.toLowerCase(Locale.ROOT);
            boolean attached = touchesMath(position - 1) || touchesMath(end);
            position = end;
            if (FUNCTIONS.containsKey(lower)) {
                addFunction(FUNCTIONS.get(lower));
            } else if (lower.equals("pi")) {
                tokens.add(Token.constant(Constant.PI));
            } else if (INFINITY_WORDS.contains(lower)) {
                tokens.add(Token.constant(Constant.INFINITY));
            } else if (word.length() == 1 || attached && word.length() <= MAX_LETTER_PRODUCT) {
                for (int i = 0; i < word.length() - 1; i++) {
                    tokens.add(letterToken(word.charAt(i), ""));
                }
                tokens.add(letterToken(word.charAt(word.length() - 1), readSubscript()));
            } else {
                throw new NotMathException();
            }
        }

        private String readSubscript() {
            if (position >= text.length() || text.charAt(position) != '_') {
                return "";
            }
            int start = position + 1;
            if (start < text.length() && text.charAt(start) == '{') {
                int close = text.indexOf('}', start);
                if (close < 0) {
                    throw new NotMathException();
                }
                position = close + 1;
                return subscriptName(text.substring(start + 1, close));
            }
            if (start < text.length() && Character.isLetterOrDigit(text.charAt(start))) {
                position = start + 1;
                return String.valueOf(text.charAt(start));
            }
            throw new NotMathException();
        }

        private static String subscriptName(String subscript) {
            String name = subscript.strip();
            if (name.isEmpty() || !name.chars().allMatch(Character::isLetterOrDigit)) {
                throw new NotMathException();
            }
            return name;
        }

        private Token letterToken(char letter, String subscript) {
            if (subscript.isEmpty() && letter == 'e') {
                return Token.constant(Constant.E);
            }
            if (subscript.isEmpty() && letter == 'i') {
                return Token.constant(Constant.I);
            }
            return Token.variable(subscript.isEmpty() ? String.valueOf(letter) : letter + "_" + subscript);
        }

        private void readCommand() {
            int end = position + 1;
            while (end < text.length() && isAsciiLetter(text.charAt(end))) {
                end++;
            }
            String name = text.substring(position + 1, end);
            position = end;
            if (name.equals("frac")) {
                tokens.add(Token.symbol(TokenType.FRAC, 'f'));
                pendingSingleCharacterArguments = 2;
            } else if (FUNCTIONS.containsKey(name)) {
                addFunction(FUNCTIONS.get(name));
            } else {
                throw new NotMathException();
            }
        }

        private void addFunction(Function function) {
            tokens.add(Token.function(function));
            if (function == Function.SQRT) {
                int next = position;
                while (next < text.length() && text.charAt(next) == ' ') {
                    next++;
                }
                boolean hasIndex = next < text.length() && text.charAt(next) == '[';
                pendingSingleCharacterArguments = hasIndex ? 0 : 1;
            }
        }

        private void readSymbol(char c) {
            position++;
            if (c == PI) {
                tokens.add(Token.constant(Constant.PI));
            } else if (c == INFINITY) {
                tokens.add(Token.constant(Constant.INFINITY));
            } else if ("+-*/^!%|".indexOf(c) >= 0) {
                tokens.add(Token.symbol(TokenType.OPERATOR, c));
            } else if (isOpening(c)) {
                tokens.add(Token.symbol(TokenType.OPEN, c));
            } else if (isClosing(c)) {
                tokens.add(Token.symbol(TokenType.CLOSE, c));
            } else {
                throw new NotMathException();
            }
        }

        /** Returns whether the character at {@code index} is a digit, operator, bracket or command. */
        private boolean touchesMath(int index) {
            if (index < 0 || index >= text.length()) {
                return false;
            }
            char c = text.charAt(index);
            return isDigit(text, index) || "+-*/^()[]{}\\|_!".indexOf(c) >= 0 || c == PI || c == INFINITY;
        }
    }

    // ---------------------------------------------------------------- expressions

    /** Recursive-descent parser of one element's tokens, with a nesting limit. */
    private static final class ExpressionParser {
        private final List<Token> tokens;
        private int position;
        private int depth;

        ExpressionParser(List<Token> tokens) {
            this.tokens = tokens;
        }

        Expr parseAll() {
            Expr expr = parseExpression();
            if (position != tokens.size()) {
                throw new NotMathException();
            }
            return expr;
        }

        private Expr parseExpression() {
            enter();
            Expr left = parseProduct();
            while (peekOperator('+') || peekOperator('-')) {
                boolean minus = next().symbol() == '-';
                Expr right = parseProduct();
                left = new Expr.Add(left, minus ? new Expr.Neg(right) : right);
            }
            leave();
            return left;
        }

        private Expr parseProduct() {
            Expr left = parseSigned();
            while (true) {
                if (peekOperator('*')) {
                    next();
                    left = new Expr.Mul(left, parseSigned());
                } else if (peekOperator('/')) {
                    next();
                    left = new Expr.Div(left, parseSigned());
                } else if (startsImplicitFactor()) {
                    left = new Expr.Mul(left, parsePower());
                } else {
                    return left;
                }
            }
        }

        private boolean startsImplicitFactor() {
            if (position >= tokens.size()) {
                return false;
            }
            Token token = tokens.get(position);
            if (token.type() == TokenType.NUMBER && tokens.get(position - 1).type() == TokenType.NUMBER) {
                throw new NotMathException();
            }
            return switch (token.type()) {
                case NUMBER, VARIABLE, CONSTANT, FUNCTION, FRAC -> true;
                case OPEN -> token.symbol() == '(' || token.symbol() == '{';
                default -> false;
            };
        }

        private Expr parseSigned() {
            if (peekOperator('-') || peekOperator('+')) {
                boolean minus = next().symbol() == '-';
                enter();
                Expr operand = parseSigned();
                leave();
                return minus ? new Expr.Neg(operand) : operand;
            }
            return parsePower();
        }

        private Expr parsePower() {
            Expr base = parsePostfix();
            if (peekOperator('^')) {
                next();
                enter();
                Expr exponent = parseSigned();
                leave();
                return new Expr.Pow(base, exponent);
            }
            return base;
        }

        private Expr parsePostfix() {
            Expr expr = parsePrimary();
            while (peekOperator('!') || peekOperator('%')) {
                boolean factorial = next().symbol() == '!';
                expr = factorial ? new Expr.Call(Function.FACTORIAL, expr)
                        : new Expr.Div(expr, new Expr.Num(Rational.HUNDRED));
            }
            return expr;
        }

        private Expr parsePrimary() {
            Token token = next();
            return switch (token.type()) {
                case NUMBER -> parseNumber(token);
                case VARIABLE -> new Expr.Var(token.name());
                case CONSTANT -> new Expr.Const(token.constant());
                case OPEN -> parseGroup(token.symbol());
                case FRAC -> parseFraction();
                case FUNCTION -> parseFunction(token.function());
                case OPERATOR -> parseAbsolute(token.symbol());
                default -> throw new NotMathException();
            };
        }

        private Expr parseNumber(Token token) {
            Expr number = new Expr.Num(token.number());
            if (token.integerLiteral() && position < tokens.size()
                    && tokens.get(position).type() == TokenType.FRAC) {
                int fractionStart = position;
                next();
                Expr fraction = parseFraction();
                if (fraction instanceof Expr.Div div && isIntegerNumber(div.left()) && isIntegerNumber(div.right())) {
                    return new Expr.Add(number, fraction);
                }
                position = fractionStart;
            }
            return number;
        }

        private static boolean isIntegerNumber(Expr expr) {
            return expr instanceof Expr.Num num && num.value().isInteger() && num.value().signum() >= 0;
        }

        private Expr parseGroup(char open) {
            enter();
            Expr inner = parseExpression();
            Token close = next();
            char expected = switch (open) {
                case '(' -> ')';
                case '[' -> ']';
                case '{' -> '}';
                default -> SET_CLOSE;
            };
            if (!close.is(TokenType.CLOSE, expected)) {
                throw new NotMathException();
            }
            leave();
            return inner;
        }

        private Expr parseFraction() {
            Expr numerator = parseArgument();
            Expr denominator = parseArgument();
            return new Expr.Div(numerator, denominator);
        }

        /** Parses a braced argument or a single-character argument of {@code \frac} or {@code \sqrt}. */
        private Expr parseArgument() {
            Token token = peek();
            if (token == null) {
                throw new NotMathException();
            }
            if (token.is(TokenType.OPEN, '{') || token.is(TokenType.OPEN, '(')) {
                next();
                return parseGroup(token.symbol());
            }
            if (token.type() == TokenType.NUMBER || token.type() == TokenType.VARIABLE
                    || token.type() == TokenType.CONSTANT) {
                return parsePrimary();
            }
            throw new NotMathException();
        }

        private Expr parseFunction(Function function) {
            if (function == Function.SQRT) {
                if (peek() != null && peek().is(TokenType.OPEN, '[')) {
                    next();
                    Expr index = parseGroup('[');
                    return new Expr.Root(index, parseArgument());
                }
                return new Expr.Call(Function.SQRT, parseArgument());
            }
            Expr power = null;
            if (peekOperator('^')) {
                next();
                power = parsePrimary();
            }
            Token token = peek();
            if (token == null) {
                throw new NotMathException();
            }
            enter();
            Expr argument = token.type() == TokenType.OPEN ? parsePrimary() : parsePower();
            leave();
            Expr call = new Expr.Call(function, argument);
            return power == null ? call : new Expr.Pow(call, power);
        }

        private Expr parseAbsolute(char symbol) {
            if (symbol != '|') {
                throw new NotMathException();
            }
            enter();
            Expr inner = parseExpression();
            if (!peekOperator('|')) {
                throw new NotMathException();
            }
            next();
            leave();
            return new Expr.Call(Function.ABS, inner);
        }

        private boolean peekOperator(char symbol) {
            Token token = peek();
            return token != null && token.is(TokenType.OPERATOR, symbol);
        }

        private Token peek() {
            return position < tokens.size() ? tokens.get(position) : null;
        }

        private Token next() {
            if (position >= tokens.size()) {
                throw new NotMathException();
            }
            return tokens.get(position++);
        }

        private void enter() {
            if (++depth > MAX_NESTING) {
                throw new LimitException();
            }
        }

        private void leave() {
            depth--;
        }
    }

    // ---------------------------------------------------------------- characters

    private static boolean isOpening(char c) {
        return c == '(' || c == '[' || c == '{' || c == SET_OPEN;
    }

    private static boolean isClosing(char c) {
        return c == ')' || c == ']' || c == '}' || c == SET_CLOSE;
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean isDigit(String text, int index) {
        return NumberScanner.isDigit(text, index);
    }

    /** Thrown when the text is not a mathematical answer; carries no stack trace. */
    private static final class NotMathException extends RuntimeException {
        NotMathException() {
            super(null, null, false, false);
        }
    }

    /** Thrown when the text exceeds a parsing limit; carries no stack trace. */
    private static final class LimitException extends RuntimeException {
        LimitException() {
            super(null, null, false, false);
        }
    }
}
