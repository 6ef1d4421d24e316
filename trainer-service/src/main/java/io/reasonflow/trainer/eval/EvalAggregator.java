package io.reasonflow.trainer.eval;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.EvalResult;
import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.tasks.grading.AnswerExtractor;
import io.reasonflow.tasks.grading.LanguageConsistencyGrader;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes the evaluation figures from scored groups of k samples each. pass@1 is the mean accuracy
 * over all samples. maj@k counts a prompt as solved when the most frequent extracted answer among its
 * samples (the first seen wins a tie) was graded correct. The format rate is the mean format score.
 * A sample whose score is null counts as incorrect. Language consistency is measured here on every
 * sample (English target), whatever graders the reward service runs; samples it cannot score are left
 * out of its mean.
 */
public final class EvalAggregator {
    private static final LanguageConsistencyGrader LANGUAGE = new LanguageConsistencyGrader();

    private EvalAggregator() {
    }

    public static EvalResult aggregate(String runId, String stage, long policyVersion, String dataset,
            List<ScoredGroup> groups) {
        double accuracySum = 0;
        double formatSum = 0;
        double lengthSum = 0;
        double languageSum = 0;
        int languageScored = 0;
        int samples = 0;
        int majorityCorrect = 0;
        int k = 0;
        for (ScoredGroup group : groups) {
            List<Completion> completions = group.group().completions();
            k = Math.max(k, completions.size());
            Map<String, Integer> votes = new LinkedHashMap<>();
            Map<String, Boolean> correctByAnswer = new HashMap<>();
            for (int i = 0; i < completions.size(); i++) {
                Map<String, Double> scores = group.scores().get(i).graderScores();
                double accuracy = valueOrZero(scores.get("accuracy"));
                accuracySum += accuracy;
                formatSum += valueOrZero(scores.get("format"));
                lengthSum += completions.get(i).tokenIds().length;
                Double language = LANGUAGE.grade(completions.get(i).text(), group.group().prompt().referenceAnswer());
                if (language != null) {
                    languageSum += language;
                    languageScored++;
                }
                samples++;
                String answer = AnswerExtractor.extract(completions.get(i).text()).orElse(null);
                if (answer != null) {
                    votes.merge(answer, 1, Integer::sum);
                    correctByAnswer.merge(answer, accuracy >= 1.0, Boolean::logicalOr);
                }
            }
            String majority = votes.entrySet().stream()
                    .reduce((a, b) -> b.getValue() > a.getValue() ? b : a)
                    .map(Map.Entry::getKey).orElse(null);
            if (majority != null && correctByAnswer.get(majority)) {
                majorityCorrect++;
            }
        }
        int prompts = groups.size();
        return new EvalResult(Messages.SCHEMA_VERSION, runId, stage, policyVersion, dataset, prompts, k,
                ratio(accuracySum, samples), ratio(majorityCorrect, prompts), ratio(formatSum, samples),
                ratio(lengthSum, samples), languageScored == 0 ? null : languageSum / languageScored);
    }

    /**
     * Returns the first completion of each of the first {@code count} groups (by group id): prompt text,
     * completion text and whether it was graded correct.
     */
    public static List<Map<String, Object>> examples(List<ScoredGroup> groups, int count) {
        return groups.stream().sorted(java.util.Comparator.comparing(ScoredGroup::groupId)).limit(count)
                .map(group -> {
                    Map<String, Object> example = new LinkedHashMap<>();
                    example.put("group_id", group.groupId());
                    example.put("prompt", group.group().prompt().text());
                    example.put("completion", group.group().completions().get(0).text());
                    example.put("correct", valueOrZero(group.scores().get(0).graderScores().get("accuracy")) >= 1.0);
                    return example;
                }).toList();
    }

    private static double valueOrZero(Double value) {
        return value == null ? 0.0 : value;
    }

    /** Returns sum / count, or 0 for an empty evaluation because JSON cannot carry NaN. */
    private static double ratio(double sum, int count) {
        return count == 0 ? 0.0 : sum / count;
    }
}
