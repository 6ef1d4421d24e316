package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;

import edu.jas.kern.PreemptStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Adversarial completions finish quickly and score null, counted, when a limit is hit. */
class AccuracyGraderLimitsTest {
    /**
     * Bound per completion: far above a linear scan even on a loaded 2-core machine (about 2 s was seen
     * there), far below what backtracking over these inputs would take.
     */
    private static final long BOUND_MILLIS = 10_000;

    /**
     * How long a timed-out symbolic comparison may keep its worker thread busy after the time limit: an
     * interrupted worker stops within milliseconds, and the rest is room for a loaded machine.
     */
    private static final Duration WORKER_STOP_BOUND = Duration.ofSeconds(5);


    private final AccuracyGrader grader = new AccuracyGrader();

    private static long millisToGrade(AccuracyGrader grader, String completion, String reference) {
        long start = System.nanoTime();
        grader.grade(completion, reference);
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    @Timeout(30)
    void tenMegabytesOfTextIsBounded() {
        String completion = "1 + ".repeat(2_500_000) + "\\boxed{42}";

        assertThat(millisToGrade(grader, completion, "42")).isLessThan(BOUND_MILLIS);
        assertThat(grader.grade(completion, "42")).isEqualTo(0.0);
    }

    @Test
    void deeplyNestedBracesHitTheNestingLimit() {
        int depth = 300;
        String completion = "\\boxed{" + "{".repeat(depth) + "1" + "}".repeat(depth) + "}";

        assertThat(grader.grade(completion, "1")).isNull();
        assertThat(grader.limitHits()).isEqualTo(1);
        assertThat(grader.grade("<answer>1</answer>", "{".repeat(depth) + "1" + "}".repeat(depth))).isNull();
        assertThat(grader.limitHits()).isEqualTo(2);
    }

    @Test
    @Timeout(30)
    void thousandsOfNestedBracesAreBounded() {
        int depth = 20_000;
        String completion = "\\boxed{" + "{".repeat(depth) + "7" + "}".repeat(depth) + "}";

        assertThat(millisToGrade(grader, completion, "7")).isLessThan(BOUND_MILLIS);
    }

    @Test
    @Timeout(60)
    void towerOfPowersHitsASizeLimit() {
        long start = System.nanoTime();
        Double score = grader.grade("\\boxed{10^{10^{10}}}", "5");
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(score).isNull();
        assertThat(grader.limitHits()).isEqualTo(1);
        // The first symbolic check loads Symja, which takes seconds; the check itself is short.
        assertThat(millis).isLessThan(30_000);
        assertThat(millisToGrade(grader, "\\boxed{2^{2^{2^{2^{2^{2}}}}}}", "5")).isLessThan(3_000);
    }

    @Test
    @Timeout(60)
    void slowComparisonTimesOut() {
        AccuracyGrader impatient = new AccuracyGrader(Duration.ofNanos(1));

        assertThat(impatient.grade("\\boxed{\\sqrt{12}}", "2\\sqrt{3}")).isNull();
        assertThat(impatient.timeouts()).isEqualTo(1);
        assertThat(impatient.limitHits()).isEqualTo(1);
        assertThat(impatient.grade("\\boxed{12}", "12")).isEqualTo(1.0);
    }

    @Test
    @Timeout(120)
    void timedOutFactorisationStopsSoonAfterTheLimit() throws InterruptedException {
        AccuracyGrader limited = new AccuracyGrader(Duration.ofSeconds(1));
        // Loads Symja and starts the worker, which the time limit does not cover.
        assertThat(limited.grade("\\boxed{\\sqrt{12}}", "2\\sqrt{3}")).isEqualTo(1.0);
        // Symja turns JAS's interrupt check off when it loads, and the grader turns it on again.
        assertThat(PreemptStatus.isAllowed()).as("JAS stops a computation at an interrupt").isTrue();

        // Where the limit falls in Symja's simplification varies with the machine and the JIT compiler. When it
        // fell inside the factorisation and JAS did not check the interrupt, the worker ran on for 36 s.
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(limited.grade("\\boxed{\\frac{(x+1)^{80}-1}{x}}", "1")).isNull();
        }
        assertThat(limited.timeouts()).isEqualTo(3);
        long deadline = System.nanoTime() + WORKER_STOP_BOUND.toNanos();
        while (limited.abandonedSymbolicWorkers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        assertThat(limited.abandonedSymbolicWorkers()).as("workers still running %s after the last limit",
                WORKER_STOP_BOUND).isZero();
        assertThat(limited.grade("\\boxed{\\sqrt{12}}", "2\\sqrt{3}")).isEqualTo(1.0);
    }

    @Test
    @Timeout(30)
    void backtrackingBaitIsLinear() {
        String[] completions = {
            "the answer is ".repeat(4_600),
            "the answer is $".repeat(4_000),
            "\\boxed{".repeat(9_000),
            "\\fbox{\\boxed{".repeat(4_000),
            "<answer>".repeat(8_000) + "</answer",
            "####\n".repeat(13_000),
            "1,".repeat(32_000),
            "(".repeat(60_000),
            "<answer>" + "\\frac{".repeat(150) + "</answer>",
            "<answer>" + "\\text{".repeat(140) + "1" + "}".repeat(140) + "</answer>",
            "<answer>" + "1+".repeat(400) + "1</answer>",
            "<answer>" + "a".repeat(999) + "</answer>",
        };
        for (String completion : completions) {
            assertThat(millisToGrade(grader, completion, "1")).as(completion.substring(0, 20)).isLessThan(BOUND_MILLIS);
        }
    }
}
