package io.reasonflow.tasks.grading;

import io.reasonflow.tasks.grading.ParsedAnswer.Element;
import io.reasonflow.tasks.grading.ParsedAnswer.Shape;
import io.reasonflow.tasks.grading.SymbolicChecker.Verdict;
import java.time.Duration;
import java.util.List;

/**
 * Mathematical comparison of a candidate answer with a reference answer.
 *
 * <p>Structures must agree: a value matches a value (or a one-element set); sequences match when they
 * have the same length, equal elements in order and the same brackets, where a bare list such as
 * {@code 0,1} counts as written in parentheses; two bare lists, such as the solutions {@code 2, 3}
 * and {@code 3, 2}, match in any order; a set matches a set or a bare list with the same elements in
 * any order; unions match part by part in order. A percentage {@code p%} matches a value
 * equal to {@code p} or to {@code p/100}, and another percentage equal to {@code p%}. Infinity matches
 * only infinity of the same sign.
 *
 * <p>Values that are exact rationals are compared exactly. Anything else goes to the
 * {@link SymbolicChecker}. All symbolic checks of one comparison share one time budget, and when
 * the budget runs out the comparison reports {@link Verdict#LIMIT_EXCEEDED}.
 */
final class AnswerComparator {

    private final SymbolicChecker symbolic;
    private final Duration timeLimit;

    AnswerComparator(SymbolicChecker symbolic, Duration timeLimit) {
        this.symbolic = symbolic;
        this.timeLimit = timeLimit;
    }

    /** Compares {@code candidate} with {@code reference} within this comparator's time limit. */
    Verdict compare(ParsedAnswer candidate, ParsedAnswer reference) {
        return new Comparison().answers(candidate, reference);
    }

    /** One comparison with its remaining symbolic time budget. */
    private final class Comparison {
        private long remainingNanos = timeLimit.toNanos();

        Verdict answers(ParsedAnswer candidate, ParsedAnswer reference) {
            Shape left = candidate.shape();
            Shape right = reference.shape();
            if (left == Shape.SINGLE && right == Shape.SINGLE) {
                return elements(candidate.elements().get(0), reference.elements().get(0));
            }
            if (left == Shape.UNION && right == Shape.UNION) {
                return unions(candidate.parts(), reference.parts());
            }
            if (isOneElementSet(candidate) && right == Shape.SINGLE
                    || left == Shape.SINGLE && isOneElementSet(reference)) {
                return elements(candidate.elements().get(0), reference.elements().get(0));
            }
            if (candidate.isBareList() && reference.isBareList()) {
                return inAnyOrder(candidate.elements(), reference.elements());
            }
            if (left == Shape.SEQUENCE && right == Shape.SEQUENCE) {
                return sameBrackets(candidate, reference)
                        ? inOrder(candidate.elements(), reference.elements())
                        : Verdict.NOT_EQUAL;
            }
            boolean setLike = (left == Shape.SET || candidate.isBareList())
                    && (right == Shape.SET || reference.isBareList());
            return setLike ? inAnyOrder(candidate.elements(), reference.elements()) : Verdict.NOT_EQUAL;
        }

        private boolean isOneElementSet(ParsedAnswer answer) {
            return answer.shape() == Shape.SET && answer.elements().size() == 1;
        }

        private boolean sameBrackets(ParsedAnswer candidate, ParsedAnswer reference) {
            char candidateOpen = candidate.isBareList() ? '(' : candidate.open();
            char candidateClose = candidate.isBareList() ? ')' : candidate.close();
            char referenceOpen = reference.isBareList() ? '(' : reference.open();
            char referenceClose = reference.isBareList() ? ')' : reference.close();
            return candidateOpen == referenceOpen && candidateClose == referenceClose;
        }

        private Verdict unions(List<ParsedAnswer> candidate, List<ParsedAnswer> reference) {
            if (candidate.size() != reference.size()) {
                return Verdict.NOT_EQUAL;
            }
            boolean limited = false;
            for (int i = 0; i < candidate.size(); i++) {
                Verdict verdict = answers(candidate.get(i), reference.get(i));
                if (verdict == Verdict.NOT_EQUAL) {
                    return verdict;
                }
                limited |= verdict == Verdict.LIMIT_EXCEEDED;
            }
            return limited ? Verdict.LIMIT_EXCEEDED : Verdict.EQUAL;
        }

        private Verdict inOrder(List<Element> candidate, List<Element> reference) {
            if (candidate.size() != reference.size()) {
                return Verdict.NOT_EQUAL;
            }
            boolean limited = false;
            for (int i = 0; i < candidate.size(); i++) {
                Verdict verdict = elements(candidate.get(i), reference.get(i));
                if (verdict == Verdict.NOT_EQUAL) {
                    return verdict;
                }
                limited |= verdict == Verdict.LIMIT_EXCEEDED;
            }
            return limited ? Verdict.LIMIT_EXCEEDED : Verdict.EQUAL;
        }

        /** Matches each candidate element to a distinct equal reference element, first fit. */
        private Verdict inAnyOrder(List<Element> candidate, List<Element> reference) {
            if (candidate.size() != reference.size()) {
                return Verdict.NOT_EQUAL;
            }
            boolean[] used = new boolean[reference.size()];
            boolean limited = false;
            for (Element element : candidate) {
                boolean matched = false;
                for (int j = 0; j < reference.size() && !matched; j++) {
                    if (used[j]) {
                        continue;
                    }
                    Verdict verdict = elements(element, reference.get(j));
                    limited |= verdict == Verdict.LIMIT_EXCEEDED;
                    if (verdict == Verdict.EQUAL) {
                        used[j] = true;
                        matched = true;
                    }
                }
                if (!matched) {
                    return limited ? Verdict.LIMIT_EXCEEDED : Verdict.NOT_EQUAL;
                }
            }
            return Verdict.EQUAL;
        }

        private Verdict elements(Element candidate, Element reference) {
            if (candidate.percent() == reference.percent()) {
                return values(candidate.value(), reference.value());
            }
            Element plain = candidate.percent() ? reference : candidate;
            Element percent = candidate.percent() ? candidate : reference;
            Verdict asWritten = values(plain.value(), percent.value());
            if (asWritten == Verdict.EQUAL) {
                return asWritten;
            }
            Expr fraction = new Expr.Div(percent.value(), new Expr.Num(Rational.HUNDRED));
            Verdict asFraction = values(plain.value(), fraction);
            if (asFraction == Verdict.EQUAL) {
                return asFraction;
            }
            boolean limited = asWritten == Verdict.LIMIT_EXCEEDED || asFraction == Verdict.LIMIT_EXCEEDED;
            return limited ? Verdict.LIMIT_EXCEEDED : Verdict.NOT_EQUAL;
        }

        private Verdict values(Expr candidate, Expr reference) {
            if (Expr.containsInfinity(candidate) || Expr.containsInfinity(reference)) {
                int sign = infinitySign(candidate);
                return sign != 0 && sign == infinitySign(reference) ? Verdict.EQUAL : Verdict.NOT_EQUAL;
            }
            Rational candidateValue = Expr.rationalValue(candidate);
            Rational referenceValue = candidateValue == null ? null : Expr.rationalValue(reference);
            if (candidateValue != null && referenceValue != null) {
                return candidateValue.equals(referenceValue) ? Verdict.EQUAL : Verdict.NOT_EQUAL;
            }
            if (remainingNanos <= 0) {
                return Verdict.LIMIT_EXCEEDED;
            }
            symbolic.start();
            long started = System.nanoTime();
            Verdict verdict = symbolic.check(candidate, reference, Duration.ofNanos(remainingNanos));
            remainingNanos -= System.nanoTime() - started;
            return verdict;
        }

        /** Returns 1 for infinity, -1 for minus infinity, 0 for anything else. */
        private int infinitySign(Expr expr) {
            if (expr instanceof Expr.Const constant && constant.constant() == Expr.Constant.INFINITY) {
                return 1;
            }
            if (expr instanceof Expr.Neg neg) {
                return -infinitySign(neg.operand());
            }
            return 0;
        }
    }
}
