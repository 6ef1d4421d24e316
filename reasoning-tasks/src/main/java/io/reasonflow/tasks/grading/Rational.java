package io.reasonflow.tasks.grading;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Exact rational number in lowest terms with a positive denominator.
 *
 * <p>Arithmetic returns {@code null} instead of a value whose numerator or denominator would exceed
 * {@link #MAX_BITS} bits, so a caller can hand such a value to the computer algebra system, which
 * applies its own limits.
 */
record Rational(BigInteger numerator, BigInteger denominator) {

    /** Largest bit length of a numerator or denominator computed here. */
    static final int MAX_BITS = 4_096;

    /** Largest absolute integer exponent that {@link #pow} computes. */
    static final int MAX_EXPONENT = 1_024;

    static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
    static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);
    static final Rational HUNDRED = new Rational(BigInteger.valueOf(100), BigInteger.ONE);

    /** Normalises the sign and reduces the fraction; rejects a zero denominator. */
    Rational {
        if (denominator.signum() == 0) {
            throw new ArithmeticException("zero denominator");
        }
        if (denominator.signum() < 0) {
            numerator = numerator.negate();
            denominator = denominator.negate();
        }
        BigInteger gcd = numerator.gcd(denominator);
        if (!gcd.equals(BigInteger.ONE) && gcd.signum() != 0) {
            numerator = numerator.divide(gcd);
            denominator = denominator.divide(gcd);
        }
    }

    static Rational of(BigDecimal value) {
        if (value.scale() <= 0) {
            return new Rational(value.toBigIntegerExact(), BigInteger.ONE);
        }
        return new Rational(value.unscaledValue(), BigInteger.TEN.pow(value.scale()));
    }

    static Rational of(long value) {
        return new Rational(BigInteger.valueOf(value), BigInteger.ONE);
    }

    boolean isInteger() {
        return denominator.equals(BigInteger.ONE);
    }

    int signum() {
        return numerator.signum();
    }

    Rational negate() {
        return new Rational(numerator.negate(), denominator);
    }

    Rational add(Rational other) {
        return bounded(numerator.multiply(other.denominator).add(other.numerator.multiply(denominator)),
                denominator.multiply(other.denominator));
    }

    Rational subtract(Rational other) {
        return add(other.negate());
    }

    Rational multiply(Rational other) {
        return bounded(numerator.multiply(other.numerator), denominator.multiply(other.denominator));
    }

    /** Returns the quotient, or {@code null} for division by zero or an oversized result. */
    Rational divide(Rational other) {
        if (other.signum() == 0) {
            return null;
        }
        return bounded(numerator.multiply(other.denominator), denominator.multiply(other.numerator));
    }

    /**
     * Returns this value to an integer power, or {@code null} when the exponent is not an integer of
     * at most {@link #MAX_EXPONENT} in magnitude, when zero is raised to a negative power, or when
     * the result would be oversized.
     */
    Rational pow(Rational exponent) {
        if (!exponent.isInteger() || exponent.numerator.bitLength() > 31) {
            return null;
        }
        int power = exponent.numerator.intValue();
        if (Math.abs(power) > MAX_EXPONENT) {
            return null;
        }
        long bits = (long) Math.max(numerator.bitLength(), denominator.bitLength()) * Math.abs(power);
        if (bits > MAX_BITS) {
            return null;
        }
        if (power >= 0) {
            return new Rational(numerator.pow(power), denominator.pow(power));
        }
        if (signum() == 0) {
            return null;
        }
        return new Rational(denominator.pow(-power), numerator.pow(-power));
    }

    private static Rational bounded(BigInteger numerator, BigInteger denominator) {
        if (numerator.bitLength() > MAX_BITS || denominator.bitLength() > MAX_BITS) {
            return null;
        }
        return new Rational(numerator, denominator);
    }

    @Override
    public String toString() {
        return isInteger() ? numerator.toString() : numerator + "/" + denominator;
    }
}
