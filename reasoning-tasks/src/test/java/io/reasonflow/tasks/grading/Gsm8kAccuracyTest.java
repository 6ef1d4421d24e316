package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Grades every GSM8K reference solution as a completion: against its own final answer it must be
 * correct, and against the final answer of the next problem it must be wrong unless the two answers
 * are equal. The files come from the directory in system property {@code gsm8k.dir}.
 */
class Gsm8kAccuracyTest {

    private static final String DEFAULT_DIR = "/work/shared/data/gsm8k";

    private record Solution(String text, String answer) {}

    private static List<Solution> solutions(Path file) throws IOException {
        JsonMapper mapper = JsonMapper.builder().build();
        List<Solution> solutions = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            String text = mapper.readTree(line).get("answer").stringValue();
            String answer = text.substring(text.lastIndexOf("#### ") + 5).strip().replace(",", "");
            solutions.add(new Solution(text, answer));
        }
        return solutions;
    }

    @Test
    @Timeout(120)
    void referenceSolutionsGradeAgainstTheirOwnAndOtherAnswers() throws IOException {
        Path dir = Path.of(System.getProperty("gsm8k.dir", DEFAULT_DIR));
        Path train = dir.resolve("train.jsonl");
        Path test = dir.resolve("test.jsonl");
        assumeTrue(Files.isRegularFile(train) && Files.isRegularFile(test), "GSM8K files not found in " + dir);
        List<Solution> all = new ArrayList<>(solutions(train));
        all.addAll(solutions(test));
        AccuracyGrader grader = new AccuracyGrader();

        List<String> wrongOnOwn = new ArrayList<>();
        List<String> wrongOnOther = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Solution solution = all.get(i);
            Solution other = all.get((i + 1) % all.size());
            if (!Double.valueOf(1.0).equals(grader.grade(solution.text(), solution.answer()))) {
                wrongOnOwn.add(i + ": " + solution.answer());
            }
            double expected = NumericEquivalence.equivalent(solution.answer(), other.answer()) ? 1.0 : 0.0;
            if (!Double.valueOf(expected).equals(grader.grade(solution.text(), other.answer()))) {
                wrongOnOther.add(i + ": " + solution.answer() + " vs " + other.answer());
            }
        }

        assertThat(all).hasSize(7473 + 1319);
        assertThat(wrongOnOwn).isEmpty();
        assertThat(wrongOnOther).isEmpty();
        assertThat(grader.limitHits()).isZero();
    }
}
