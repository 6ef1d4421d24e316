package io.reasonflow.tasks.grading;

import java.util.List;

/**
 * An answer parsed into its mathematical structure: one value, an ordered sequence such as a
 * tuple or an interval, a set, or a union of intervals.
 *
 * @param shape which structure the answer has
 * @param open opening bracket of a sequence, {@code (} or {@code [}, or {@code 0} for a bare list
 *     such as {@code 1, 2}
 * @param close closing bracket of a sequence, {@code )} or {@code ]}, or {@code 0} for a bare list
 * @param elements the values, one for {@link Shape#SINGLE}, none for {@link Shape#UNION}
 * @param parts the sets or intervals joined by a union, empty for other shapes
 */
record ParsedAnswer(Shape shape, char open, char close, List<Element> elements, List<ParsedAnswer> parts) {

    /** Structure of an answer. */
    enum Shape { SINGLE, SEQUENCE, SET, UNION }

    /**
     * One value of an answer.
     *
     * @param value the expression
     * @param percent whether the value was written with a trailing percent sign, which
     *     {@link MathEquivalence} compares with both {@code value} and {@code value / 100}
     */
    record Element(Expr value, boolean percent) {}

    /** Copies the lists. */
    ParsedAnswer {
        elements = List.copyOf(elements);
        parts = List.copyOf(parts);
    }

    static ParsedAnswer single(Element element) {
        return new ParsedAnswer(Shape.SINGLE, (char) 0, (char) 0, List.of(element), List.of());
    }

    static ParsedAnswer sequence(char open, char close, List<Element> elements) {
        return new ParsedAnswer(Shape.SEQUENCE, open, close, elements, List.of());
    }

    static ParsedAnswer set(List<Element> elements) {
        return new ParsedAnswer(Shape.SET, '{', '}', elements, List.of());
    }

    static ParsedAnswer union(List<ParsedAnswer> parts) {
        return new ParsedAnswer(Shape.UNION, (char) 0, (char) 0, List.of(), parts);
    }

    /** Returns whether this is a list written without brackets, such as {@code 0,1}. */
    boolean isBareList() {
        return shape == Shape.SEQUENCE && open == 0;
    }
}
