package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;

import io.reasonflow.tasks.grading.AnswerParser.Status;
import io.reasonflow.tasks.grading.ParsedAnswer.Shape;
import org.junit.jupiter.api.Test;

class AnswerParserTest {

    private static ParsedAnswer parsed(String text) {
        AnswerParser.Result result = AnswerParser.parse(text);
        assertThat(result.status()).as(text).isEqualTo(Status.PARSED);
        return result.answer();
    }

    private static Rational value(String text) {
        ParsedAnswer answer = parsed(text);
        assertThat(answer.shape()).as(text).isEqualTo(Shape.SINGLE);
        return Expr.rationalValue(answer.elements().get(0).value());
    }

    @Test
    void numbersParseExactly() {
        assertThat(value("72")).isEqualTo(Rational.of(72));
        assertThat(value("115,000")).isEqualTo(Rational.of(115_000));
        assertThat(value("1,234,567")).isEqualTo(Rational.of(1_234_567));
        assertThat(value("1{,}000")).isEqualTo(Rational.of(1_000));
        assertThat(value("1\\,000")).isEqualTo(Rational.of(1_000));
        assertThat(value("-$7")).isEqualTo(Rational.of(-7));
        assertThat(value(".5")).isEqualTo(value("1/2"));
        assertThat(value("2.5E-1")).isEqualTo(value("\\frac14"));
        assertThat(value("2^{10}")).isEqualTo(Rational.of(1024));
        assertThat(value("-2^2")).isEqualTo(Rational.of(-4));
        assertThat(value("5!")).isEqualTo(Rational.of(120));
        assertThat(value("72.")).isEqualTo(Rational.of(72));
    }

    @Test
    void commasSeparateElementsUnlessThousands() {
        assertThat(parsed("0,1").shape()).isEqualTo(Shape.SEQUENCE);
        assertThat(parsed("0,1").elements()).hasSize(2);
        assertThat(parsed("0,100").elements()).hasSize(2);
        assertThat(parsed("10,20").elements()).hasSize(2);
        assertThat(parsed("12,3456").elements()).hasSize(2);
        assertThat(parsed("1,000").shape()).isEqualTo(Shape.SINGLE);
        assertThat(parsed("(100,200)").elements()).hasSize(2);
        assertThat(parsed("[8.124,12.852]").elements()).hasSize(2);
    }

    @Test
    void bracketsDecideTheShape() {
        ParsedAnswer interval = parsed("[0, 1)");
        assertThat(interval.shape()).isEqualTo(Shape.SEQUENCE);
        assertThat(interval.open()).isEqualTo('[');
        assertThat(interval.close()).isEqualTo(')');
        assertThat(parsed("\\{1,2\\}").shape()).isEqualTo(Shape.SET);
        assertThat(parsed("\\left\\{ 1 \\right\\}").shape()).isEqualTo(Shape.SET);
        assertThat(parsed("(1,2)\\cup(3,4)").shape()).isEqualTo(Shape.UNION);
        assertThat(parsed("(5)").shape()).isEqualTo(Shape.SINGLE);
        assertThat(parsed("x \\in [0, 1]").shape()).isEqualTo(Shape.SEQUENCE);
    }

    @Test
    void percentAndUnitsAreRecognised() {
        assertThat(parsed("28\\%").elements().get(0).percent()).isTrue();
        assertThat(parsed("28 percent").elements().get(0).percent()).isTrue();
        assertThat(parsed("28").elements().get(0).percent()).isFalse();
        assertThat(value("5 cm")).isEqualTo(Rational.of(5));
        assertThat(value("5cm")).isEqualTo(Rational.of(5));
        assertThat(value("5\\text{ square feet}")).isEqualTo(Rational.of(5));
        assertThat(value("12 m^2")).isNull();
        assertThat(value("60 km/h")).isEqualTo(Rational.of(60));
        assertThat(value("72 in total")).isEqualTo(Rational.of(72));
    }

    @Test
    void variablesAndConstants() {
        Expr product = parsed("2xy").elements().get(0).value();
        assertThat(Expr.variables(product)).containsExactly("x", "y");
        assertThat(Expr.variables(parsed("x_1 + x_{12}").elements().get(0).value())).containsExactly("x_1", "x_12");
        assertThat(Expr.variables(parsed("2\\pi r").elements().get(0).value())).containsExactly("r");
        assertThat(Expr.variables(parsed("e^{i\\pi}").elements().get(0).value())).isEmpty();
    }

    @Test
    void textIsNotMath() {
        String[] texts = {"seventy-two", "not a number", "Devon", "\\text{Monday}", "She sold clips", "",
            "\\frac{1}", "1//2", "(1", "\\unknowncommand{2}", "1 2", "5 \\le x"};
        for (String text : texts) {
            assertThat(AnswerParser.parse(text).status()).as(text).isEqualTo(Status.NOT_MATH);
        }
        assertThat(AnswerParser.parse(null).status()).isEqualTo(Status.NOT_MATH);
    }

    @Test
    void limitsAreReported() {
        String nested = "{".repeat(AnswerParser.MAX_NESTING + 1) + "1" + "}".repeat(AnswerParser.MAX_NESTING + 1);
        assertThat(AnswerParser.parse(nested).status()).isEqualTo(Status.LIMIT_EXCEEDED);
        String negations = "-".repeat(AnswerParser.MAX_NESTING + 1) + "1";
        assertThat(AnswerParser.parse(negations).status()).isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(AnswerParser.parse("1e99999").status()).isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(AnswerParser.parse("1,".repeat(AnswerParser.MAX_ELEMENTS) + "1").status())
                .isEqualTo(Status.LIMIT_EXCEEDED);
        assertThat(AnswerParser.parse("1".repeat(AnswerParser.MAX_ANSWER_CHARS + 1)).status())
                .isEqualTo(Status.TOO_LONG);
    }
}
