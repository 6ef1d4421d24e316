package io.reasonflow.tasks.grading;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Exact comparison of numeric answers written in different forms.
 *
 * <p>Accepted forms: integers and decimals ({@code 72}, {@code 72.0}, {@code 72.}, {@code .5}), thousands
 * separators in groups of three ({@code 1,000}), a leading {@code +} or {@code -}, a {@code $}
 * before or after the sign ({@code $5}, {@code -$5}), a trailing {@code $} ({@code $72$}),
 * fractions {@code a/b} and {@code \frac{a}{b}} ({@code \dfrac}, {@code \tfrac}) whose parts are
 * unsigned decimals. Exponents, percent signs and units are not numbers here. Values compare
 * exactly as rationals with {@link BigDecimal} arithmetic, with no tolerance, so {@code 0.5}
 * equals {@code 1/2} but {@code 0.333} does not equal {@code 1/3}.
 */
public final class NumericEquivalence {

    /** Maximum length of a text parsed as a number, which bounds the {@link BigDecimal} work. */
    public static final int MAX_NUMBER_CHARS = 1_000;

    private static final String[] FRACTION_COMMANDS = {"\\frac{", "\\dfrac{", "\\tfrac{"};

    private NumericEquivalence() {}

    /**
     * Exact rational value {@code numerator / denominator}.
     *
     * @param numerator signed numerator
     * @param denominator non-zero denominator
     */
    public record ExactNumber(BigDecimal numerator, BigDecimal denominator) {

        /** Rejects a zero denominator. */
        public ExactNumber {
            if (denominator.signum() == 0) {
                throw new IllegalArgumentException("denominator must not be zero");
            }
        }

        /** Returns whether this value equals {@code other} exactly, by cross-multiplication. */
        public boolean sameValueAs(ExactNumber other) {
            return numerator.multiply(other.denominator)
                    .compareTo(other.numerator.multiply(denominator)) == 0;
        }
    }

    /** Returns whether both texts parse and denote the same value. */
    public static boolean equivalent(String left, String right) {
        Optional<ExactNumber> leftValue = parse(left);
        Optional<ExactNumber> rightValue = parse(right);
        return leftValue.isPresent() && rightValue.isPresent()
                && leftValue.get().sameValueAs(rightValue.get());
    }

    /** Returns whether {@code text} parses as a number in one of the accepted forms. */
    public static boolean isNumber(String text) {
        return parse(text).isPresent();
    }

    /** Parses {@code text}, or returns empty when it is not a number in an accepted form. */
    public static Optional<ExactNumber> parse(String text) {
        if (text == null || text.length() > MAX_NUMBER_CHARS) {
            return Optional.empty();
        }
        String body = stripDollars(text.strip());
        boolean negative = body.startsWith("-");
        if (negative || body.startsWith("+")) {
            body = stripDollars(body.substring(1).strip());
        }
        Optional<ExactNumber> magnitude = parseUnsigned(body);
        return negative
                ? magnitude.map(v -> new ExactNumber(v.numerator().negate(), v.denominator()))
                : magnitude;
    }

    private static String stripDollars(String text) {
        String result = text.startsWith("$") ? text.substring(1) : text;
        result = result.endsWith("$") ? result.substring(0, result.length() - 1) : result;
        return result.strip();
    }

    private static Optional<ExactNumber> parseUnsigned(String text) {
        for (String command : FRACTION_COMMANDS) {
            if (text.startsWith(command)) {
                return parseLatexFraction(text.substring(command.length()));
            }
        }
        int slash = text.indexOf('/');
        if (slash >= 0) {
            return fraction(text.substring(0, slash), text.substring(slash + 1));
        }
        return parseDecimal(text).map(value -> new ExactNumber(value, BigDecimal.ONE));
    }

    /** Parses {@code a}{b}} where the opening brace of {@code a} was already consumed. */
    private static Optional<ExactNumber> parseLatexFraction(String rest) {
        int middle = rest.indexOf("}{");
        if (middle < 0 || !rest.endsWith("}")) {
            return Optional.empty();
        }
        return fraction(rest.substring(0, middle), rest.substring(middle + 2, rest.length() - 1));
    }

    private static Optional<ExactNumber> fraction(String numerator, String denominator) {
        Optional<BigDecimal> top = parseDecimal(numerator.strip());
        Optional<BigDecimal> bottom = parseDecimal(denominator.strip());
        if (top.isEmpty() || bottom.isEmpty() || bottom.get().signum() == 0) {
            return Optional.empty();
        }
        return Optional.of(new ExactNumber(top.get(), bottom.get()));
    }

    /** Parses an unsigned decimal with optional {@code ,ddd} groups, or returns empty. */
    private static Optional<BigDecimal> parseDecimal(String text) {
        int dot = text.indexOf('.');
        String whole = dot < 0 ? text : text.substring(0, dot);
        String fractionDigits = dot < 0 ? "" : text.substring(dot + 1);
        // A bare dot on one side is allowed (".5", "5.") but not on both (".").
        boolean validWhole = whole.isEmpty() ? !fractionDigits.isEmpty() : isGroupedInteger(whole);
        boolean validFraction = fractionDigits.isEmpty() || isDigits(fractionDigits);
        if (!validWhole || !validFraction) {
            return Optional.empty();
        }
        String plain = (whole.isEmpty() ? "0" : whole.replace(",", ""))
                + (fractionDigits.isEmpty() ? "" : "." + fractionDigits);
        return Optional.of(new BigDecimal(plain));
    }

    /** Returns whether {@code text} is digits, optionally grouped as {@code d{1,3}(,ddd)*}. */
    private static boolean isGroupedInteger(String text) {
        if (text.indexOf(',') < 0) {
            return isDigits(text);
        }
        String[] groups = text.split(",", -1);
        if (groups[0].isEmpty() || groups[0].length() > 3 || !isDigits(groups[0])) {
            return false;
        }
        for (int i = 1; i < groups.length; i++) {
            if (groups[i].length() != 3 || !isDigits(groups[i])) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!NumberScanner.isDigit(text, i)) {
                return false;
            }
        }
        return true;
    }
}
