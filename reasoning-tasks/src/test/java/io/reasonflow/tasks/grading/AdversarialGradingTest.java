package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every grader against completions built to make it slow: megabytes of text, thousands of nested braces,
 * towers of powers, polynomials whose factorisation takes seconds, and text that would make a
 * backtracking regular expression run in exponential time. Each call must return within the accuracy
 * grader's own time limit plus a margin for a loaded 2-core machine.
 */
@Timeout(300)
class AdversarialGradingTest {
    /** Time limit of the accuracy grader under test, from which the bounds below are derived. */
    private static final Duration TIME_LIMIT = Duration.ofSeconds(1);

    /** Slack over the time limit for scheduling, garbage collection and a machine shared with other work. */
    private static final Duration MARGIN = Duration.ofSeconds(3);

    private static final Duration BOUND = TIME_LIMIT.plus(MARGIN);

    private static final int TEN_MEGABYTES = 10 * 1024 * 1024;

    @BeforeAll
    static void loadSymja() {
        // The first symbolic check loads Symja, which takes seconds outside the time limit by design.
        new AccuracyGrader(TIME_LIMIT).grade("\\boxed{\\sqrt{12}}", "2\\sqrt{3}");
    }

    private static Map<String, String> adversarialCompletions() {
        Map<String, String> completions = new LinkedHashMap<>();
        completions.put("10 MB of digits and operators", fill("12+", TEN_MEGABYTES) + "\\boxed{42}");
        completions.put("10 MB of one word", fill("reason ", TEN_MEGABYTES));
        completions.put("10 MB of think tags", fill("<think>", TEN_MEGABYTES) + "</think><answer>42</answer>");
        completions.put("10 MB without whitespace", "x".repeat(TEN_MEGABYTES));
        completions.put("20,000 nested braces in a box",
                "\\boxed{" + "{".repeat(20_000) + "7" + "}".repeat(20_000) + "}");
        completions.put("20,000 open boxes", "\\boxed{".repeat(20_000));
        completions.put("nested fractions",
                "<answer>" + "\\frac{1}{".repeat(500) + "2" + "}".repeat(500) + "</answer>");
        completions.put("integer tower", "\\boxed{10^{10^{10}}}");
        completions.put("deep integer tower", "\\boxed{" + "9^{".repeat(30) + "9" + "}".repeat(30) + "}");
        completions.put("exponential tower", "\\boxed{e^{e^{e^{e^{3}}}}}");
        completions.put("sine of a huge argument", "\\boxed{\\sin(e^{e^{e^{3}}})}");
        completions.put("factorisation bait", "\\boxed{\\frac{(x+1)^{60}-1}{x}}");
        completions.put("large factorial", "\\boxed{100000!}");
        completions.put("answer phrase bait", "the answer is ".repeat(50_000));
        completions.put("math span bait", "the answer is $".repeat(50_000));
        completions.put("hash line bait", "####\n".repeat(100_000));
        completions.put("thousands separator bait", "1,".repeat(100_000) + "x");
        completions.put("decimal bait", "1.".repeat(100_000) + "e");
        completions.put("exponent bait", "<answer>1e" + "9".repeat(900) + "</answer>");
        completions.put("open parentheses", "(".repeat(100_000));
        completions.put("whitespace runs", " \t\n".repeat(1_000_000) + "!");
        completions.put("mixed scripts", "<think>" + "αβγ 数学 ".repeat(200_000) + "</think>");
        return completions;
    }

    private static String fill(String unit, int chars) {
        return unit.repeat(chars / unit.length());
    }

    private static List<Grader> graders() {
        List<Grader> graders = new ArrayList<>();
        graders.add(new AccuracyGrader(TIME_LIMIT));
        for (String name : GraderCatalog.NAMES) {
            if (!name.equals(AccuracyGrader.NAME)) {
                graders.add(GraderCatalog.create(name));
            }
        }
        return graders;
    }

    @Test
    void everyGraderFinishesWithinItsBound() {
        List<String> slow = new ArrayList<>();
        for (Map.Entry<String, String> completion : adversarialCompletions().entrySet()) {
            for (Grader grader : graders()) {
                long millis = millisToGrade(grader, completion.getValue(), "42");
                if (millis > BOUND.toMillis()) {
                    slow.add(grader.name() + " on " + completion.getKey() + ": " + millis + " ms");
                }
            }
        }

        assertThat(slow).as("grading calls over %s ms", BOUND.toMillis()).isEmpty();
    }

    @Test
    void adversarialReferenceAnswersAreBounded() {
        AccuracyGrader grader = new AccuracyGrader(TIME_LIMIT);
        for (Map.Entry<String, String> reference : adversarialCompletions().entrySet()) {
            long millis = millisToGrade(grader, "<answer>42</answer>", reference.getValue());

            assertThat(millis).as("reference answer %s", reference.getKey()).isLessThanOrEqualTo(BOUND.toMillis());
        }
    }

    @Test
    void limitsGiveNullAndAreCounted() {
        AccuracyGrader grader = new AccuracyGrader(TIME_LIMIT);
        List<String> limited = List.of("\\boxed{10^{10^{10}}}", "\\boxed{e^{e^{e^{e^{3}}}}}",
                "\\boxed{" + "{".repeat(100) + "7" + "}".repeat(100) + "}", "\\boxed{\\frac{(x+1)^{60}-1}{x}}");

        for (String completion : limited) {
            AccuracyGrader.Result result = grader.evaluate(completion, "5");

            assertThat(result.score()).as(completion.substring(0, 20)).isNull();
            assertThat(result.outcome()).as(completion.substring(0, 20))
                    .isEqualTo(AccuracyGrader.Outcome.LIMIT_EXCEEDED);
        }
        assertThat(grader.limitHits()).isEqualTo(limited.size());
    }

    @Test
    void doubleOverflowSkipsSymbolicCheck() {
        AccuracyGrader grader = new AccuracyGrader(Duration.ofSeconds(30));

        long millis = millisToGrade(grader, "\\boxed{e^{e^{e^{e^{3}}}}}", "1");

        // Without the range check, the 50-digit evaluation ran in apfloat until the time limit.
        assertThat(grader.grade("\\boxed{e^{e^{e^{e^{3}}}}}", "1")).isNull();
        assertThat(grader.timeouts()).isZero();
        assertThat(millis).isLessThan(BOUND.toMillis());
    }

    @Test
    void graderKeepsGradingAfterATimeout() {
        AccuracyGrader grader = new AccuracyGrader(TIME_LIMIT);

        assertThat(grader.grade("\\boxed{\\frac{(x+1)^{60}-1}{x}}", "1")).isNull();
        assertThat(grader.timeouts()).isEqualTo(1);

        // The timed-out worker is abandoned and a new one takes the next check.
        assertThat(grader.grade("\\boxed{\\sqrt{12}}", "2\\sqrt{3}")).isEqualTo(1.0);
        assertThat(grader.grade("\\boxed{42}", "42")).isEqualTo(1.0);
    }

    private static long millisToGrade(Grader grader, String completion, String reference) {
        long start = System.nanoTime();
        grader.grade(completion, reference, completion.length() / 4);
        return (System.nanoTime() - start) / 1_000_000;
    }
}
