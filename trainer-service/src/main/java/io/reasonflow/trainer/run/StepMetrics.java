package io.reasonflow.trainer.run;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.CompletionScore;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.ScoredGroup;
import io.reasonflow.trainer.grpo.GrpoStepStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The figures of one GRPO step, as written to {@code metrics.jsonl} and shown on the console. */
final class StepMetrics {
    private StepMetrics() {
    }

    /**
     * @param staleness     how many versions the step's starting policy is ahead of those that generated the batch,
     *                      on average over the batch's groups
     * @param seconds       wall time since the previous step ended, waiting for groups included
     */
    static Map<String, Object> of(int step, long policyVersion, List<ScoredGroup> batch, GrpoStepStats stats,
            double staleness, double seconds, long droppedStale) {
        double rewardSum = 0;
        double rewardSquares = 0;
        int rewarded = 0;
        double accuracy = 0;
        double format = 0;
        long tokens = 0;
        int truncated = 0;
        int completions = 0;
        int zeroVariance = 0;
        Map<String, double[]> byGrader = new java.util.TreeMap<>();
        for (ScoredGroup group : batch) {
            Double first = null;
            boolean allEqual = true;
            for (int i = 0; i < group.scores().size(); i++) {
                CompletionScore score = group.scores().get(i);
                Completion completion = group.group().completions().get(i);
                completions++;
                tokens += completion.tokenIds().length;
                truncated += completion.finishReason() == FinishReason.LENGTH ? 1 : 0;
                accuracy += valueOrZero(score.graderScores().get("accuracy"));
                format += valueOrZero(score.graderScores().get("format"));
                score.graderScores().forEach((grader, value) -> {
                    double[] sumAndCount = byGrader.computeIfAbsent(grader, name -> new double[3]);
                    if (value != null) {
                        sumAndCount[0] += value;
                        sumAndCount[1]++;
                        sumAndCount[2] += value * value;
                    }
                });
                if (score.total() != null) {
                    rewardSum += score.total();
                    rewardSquares += score.total() * score.total();
                    rewarded++;
                    allEqual &= first == null || first.equals(score.total());
                    first = first == null ? score.total() : first;
                }
            }
            zeroVariance += allEqual ? 1 : 0;
        }
        double rewardMean = rewarded == 0 ? 0 : rewardSum / rewarded;
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("step", step);
        metrics.put("policy_version", policyVersion);
        metrics.put("reward_mean", rewardMean);
        metrics.put("reward_std", rewarded == 0 ? 0 : Math.sqrt(Math.max(0, rewardSquares / rewarded - rewardMean * rewardMean)));
        metrics.put("accuracy", accuracy / completions);
        metrics.put("format_rate", format / completions);
        metrics.put("kl", stats.kl());
        metrics.put("loss", stats.loss());
        metrics.put("clip_fraction_low", stats.clipLow());
        metrics.put("clip_fraction_high", stats.clipHigh());
        metrics.put("dual_clip_fraction", stats.dualClip());
        metrics.put("entropy", stats.entropy());
        metrics.put("importance_weight", stats.importanceWeight());
        metrics.put("importance_capped_fraction", stats.importanceCapped());
        metrics.put("gradient_norm", stats.gradientNorm());
        metrics.put("learning_rate", stats.learningRate());
        metrics.put("completion_length", (double) tokens / completions);
        metrics.put("truncation_rate", (double) truncated / completions);
        metrics.put("zero_variance_fraction", (double) zeroVariance / batch.size());
        metrics.put("dropped_stale", droppedStale);
        metrics.put("tokens_per_second", tokens / Math.max(seconds, 1e-9));
        metrics.put("staleness", staleness);
        metrics.put("step_seconds", seconds);
        // Mean and population std over the completions the grader scored; null when it scored none of them.
        byGrader.forEach((grader, sums) -> {
            double count = sums[1];
            double mean = count == 0 ? 0 : sums[0] / count;
            metrics.put("reward_" + grader, count == 0 ? null : mean);
            metrics.put("reward_std_" + grader, count == 0 ? null : Math.sqrt(Math.max(0, sums[2] / count - mean * mean)));
        });
        return metrics;
    }

    static String line(int step, int steps, Map<String, Object> m) {
        return String.format("grpo step %d/%d v%s reward %.3f acc %.3f format %.3f kl %.4f loss %.4f len %.1f "
                + "tok/s %.0f stale %.2f", step, steps, m.get("policy_version"), m.get("reward_mean"), m.get("accuracy"),
                m.get("format_rate"), unsigned(m.get("kl")), unsigned(m.get("loss")), m.get("completion_length"),
                m.get("tokens_per_second"), m.get("staleness"));
    }

    /** Returns 0 for a value that prints as zero at 4 decimals, so the line never shows "-0.0000". */
    private static Object unsigned(Object value) {
        if (value instanceof Number number && Math.abs(number.doubleValue()) < 5e-5) {
            return 0.0;
        }
        return value;
    }

    private static double valueOrZero(Double value) {
        return value == null ? 0 : value;
    }
}
