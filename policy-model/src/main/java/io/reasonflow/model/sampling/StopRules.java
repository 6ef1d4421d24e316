package io.reasonflow.model.sampling;

import java.util.List;
import java.util.Set;

/** Decides whether a completion ends at its latest token. */
final class StopRules {
    private final Set<Integer> stopIds;
    private final List<int[]> stopSequences;

    StopRules(SamplingOptions options) {
        this.stopIds = options.stopIds();
        this.stopSequences = options.stopSequences();
    }

    /** Returns whether {@code tokens[0, length)} ends with a stop id or one of the stop sequences. */
    boolean isStop(int[] tokens, int length) {
        if (stopIds.contains(tokens[length - 1])) {
            return true;
        }
        for (int[] sequence : stopSequences) {
            if (endsWith(tokens, length, sequence)) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsWith(int[] tokens, int length, int[] suffix) {
        if (suffix.length > length) {
            return false;
        }
        int start = length - suffix.length;
        for (int i = 0; i < suffix.length; i++) {
            if (tokens[start + i] != suffix[i]) {
                return false;
            }
        }
        return true;
    }
}
