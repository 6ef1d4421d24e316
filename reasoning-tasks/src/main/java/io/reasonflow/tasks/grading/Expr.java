package io.reasonflow.tasks.grading;

import java.math.BigInteger;
import java.util.function.BinaryOperator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Expression tree of one parsed answer element: numbers, variables, constants and operations. */
sealed interface Expr {

    /** Largest integer whose factorial is computed exactly without the computer algebra system. */
    int MAX_EXACT_FACTORIAL = 300;

    /** Exact number. */
    record Num(Rational value) implements Expr {}

    /** Variable, named by its letter and an optional subscript, for example {@code x} or {@code x_1}. */
    record Var(String name) implements Expr {}

    /** Mathematical constant. */
    record Const(Constant constant) implements Expr {}

    /** Negation. */
    record Neg(Expr operand) implements Expr {}

    /** Sum. */
    record Add(Expr left, Expr right) implements Expr {}

    /** Product. */
    record Mul(Expr left, Expr right) implements Expr {}

    /** Quotient. */
    record Div(Expr left, Expr right) implements Expr {}

    /** Power. */
    record Pow(Expr base, Expr exponent) implements Expr {}

    /** Function applied to one argument. */
    record Call(Function function, Expr argument) implements Expr {}

    /** Root of the given index, {@code \sqrt[index]{radicand}}. */
    record Root(Expr index, Expr radicand) implements Expr {}

    /** Constants that can appear in an answer. */
    enum Constant { PI, E, I, INFINITY }

    /** Functions that can appear in an answer. {@code LOG} is the natural logarithm, like {@code LN}. */
    enum Function {
        SQRT, SIN, COS, TAN, SEC, CSC, COT, ARCSIN, ARCCOS, ARCTAN, SINH, COSH, TANH, LN, LOG, EXP, ABS,
        FACTORIAL
    }

    /**
     * Returns the exact rational value when the tree is built from numbers with {@code + - * /},
     * integer powers and small factorials only, or {@code null} otherwise, also when a bound of
     * {@link Rational} is exceeded.
     */
    static Rational rationalValue(Expr expr) {
        if (expr instanceof Num num) {
            return num.value();
        }
        if (expr instanceof Neg neg) {
            Rational operand = rationalValue(neg.operand());
            return operand == null ? null : operand.negate();
        }
        if (expr instanceof Add add) {
            return combine(add.left(), add.right(), Rational::add);
        }
        if (expr instanceof Mul mul) {
            return combine(mul.left(), mul.right(), Rational::multiply);
        }
        if (expr instanceof Div div) {
            return combine(div.left(), div.right(), Rational::divide);
        }
        if (expr instanceof Pow pow) {
            return combine(pow.base(), pow.exponent(), Rational::pow);
        }
        if (expr instanceof Call call && call.function() == Function.FACTORIAL) {
            return factorial(rationalValue(call.argument()));
        }
        return null;
    }

    /** Returns whether the tree contains the constant infinity. */
    static boolean containsInfinity(Expr expr) {
        if (expr instanceof Const constant) {
            return constant.constant() == Constant.INFINITY;
        }
        for (Expr child : children(expr)) {
            if (containsInfinity(child)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the sorted names of the variables in the tree. */
    static Set<String> variables(Expr expr) {
        Set<String> names = new TreeSet<>();
        collectVariables(expr, names);
        return names;
    }

    /** Returns the direct subexpressions of {@code expr}, in order. */
    static List<Expr> children(Expr expr) {
        if (expr instanceof Neg neg) {
            return List.of(neg.operand());
        }
        if (expr instanceof Add add) {
            return List.of(add.left(), add.right());
        }
        if (expr instanceof Mul mul) {
            return List.of(mul.left(), mul.right());
        }
        if (expr instanceof Div div) {
            return List.of(div.left(), div.right());
        }
        if (expr instanceof Pow pow) {
            return List.of(pow.base(), pow.exponent());
        }
        if (expr instanceof Call call) {
            return List.of(call.argument());
        }
        if (expr instanceof Root root) {
            return List.of(root.index(), root.radicand());
        }
        return List.of();
    }

    private static void collectVariables(Expr expr, Set<String> names) {
        if (expr instanceof Var variable) {
            names.add(variable.name());
        }
        for (Expr child : children(expr)) {
            collectVariables(child, names);
        }
    }

    private static Rational combine(Expr left, Expr right,
            BinaryOperator<Rational> operation) {
        Rational leftValue = rationalValue(left);
        if (leftValue == null) {
            return null;
        }
        Rational rightValue = rationalValue(right);
        return rightValue == null ? null : operation.apply(leftValue, rightValue);
    }

    private static Rational factorial(Rational value) {
        if (value == null || !value.isInteger() || value.signum() < 0
                || value.numerator().compareTo(BigInteger.valueOf(MAX_EXACT_FACTORIAL)) > 0) {
            return null;
        }
        BigInteger result = BigInteger.ONE;
        for (int i = 2; i <= value.numerator().intValue(); i++) {
            result = result.multiply(BigInteger.valueOf(i));
        }
        return new Rational(result, BigInteger.ONE);
    }
}
