package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NumericEquivalenceTest {

    @Test
    void thousandsSeparatorsAreIgnored() {
        assertThat(NumericEquivalence.equivalent("1,000", "1000")).isTrue();
        assertThat(NumericEquivalence.equivalent("1,234,567.5", "1234567.50")).isTrue();
    }

    @Test
    void decimalsEqualFractions() {
        assertThat(NumericEquivalence.equivalent("0.5", "1/2")).isTrue();
        assertThat(NumericEquivalence.equivalent(".75", "\\frac{3}{4}")).isTrue();
        assertThat(NumericEquivalence.equivalent("-0.25", "-\\dfrac{1}{4}")).isTrue();
        assertThat(NumericEquivalence.equivalent("2/4", "1/2")).isTrue();
    }

    @Test
    void signsMatter() {
        assertThat(NumericEquivalence.equivalent("-3", "3")).isFalse();
        assertThat(NumericEquivalence.equivalent("-3", "-3")).isTrue();
        assertThat(NumericEquivalence.equivalent("+3", "3")).isTrue();
        assertThat(NumericEquivalence.equivalent("-0", "0")).isTrue();
    }

    @Test
    void trailingZerosAreIgnored() {
        assertThat(NumericEquivalence.equivalent("72.0", "72")).isTrue();
        assertThat(NumericEquivalence.equivalent("72.", "72")).isTrue();
        assertThat(NumericEquivalence.equivalent("72.000", "72.0")).isTrue();
    }

    @Test
    void dollarSignsAreStripped() {
        assertThat(NumericEquivalence.equivalent("$18", "18")).isTrue();
        assertThat(NumericEquivalence.equivalent("-$5", "-5")).isTrue();
        assertThat(NumericEquivalence.equivalent("$-5", "-5")).isTrue();
        assertThat(NumericEquivalence.equivalent("$72$", "72")).isTrue();
        assertThat(NumericEquivalence.equivalent(" 72 ", "72")).isTrue();
    }

    @Test
    void comparisonIsExact() {
        assertThat(NumericEquivalence.equivalent("0.333", "1/3")).isFalse();
        assertThat(NumericEquivalence.equivalent("0.1", "0.10000000000000001")).isFalse();
        assertThat(NumericEquivalence.equivalent("1/3", "2/6")).isTrue();
    }

    @Test
    void malformedTextIsNotANumber() {
        String[] invalid = {"", " ", "abc", "1,00", "12,3456", ",100", "1e3", "1/0", "1.2.3", ".",
            "5%", "72 apples", "1//2", "--3", "\\frac{1}{0}", "\\frac{1}", null};
        for (String text : invalid) {
            assertThat(NumericEquivalence.isNumber(text)).as(String.valueOf(text)).isFalse();
        }
        assertThat(NumericEquivalence.equivalent("abc", "abc")).isFalse();
    }

    @Test
    void overlongTextIsNotANumber() {
        String digits = "1".repeat(NumericEquivalence.MAX_NUMBER_CHARS + 1);

        assertThat(NumericEquivalence.isNumber(digits)).isFalse();
        assertThat(NumericEquivalence.isNumber(digits.substring(1))).isTrue();
    }
}
