package io.reasonflow.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Token-selection settings of the {@link Sampler}.
 *
 * @param temperature   softmax temperature; 0 means greedy decoding (argmax, lowest id on ties)
 * @param topP          nucleus mass in (0, 1]: keep the smallest set of most likely tokens whose probability
 *                      reaches it, and always the most likely token
 * @param topK          keep only the k most likely tokens; 0 keeps all
 * @param maxNewTokens  completion length limit in tokens, at least 1
 * @param stopIds       token ids that end a completion, for example a tokenizer's
 *                      {@link io.reasonflow.model.tokenizer.Tokenizer#eosIds()}, which may hold several; the stop
 *                      token is kept
 * @param stopSequences token sequences that end a completion once its tail equals one of them; the sequence is
 *                      kept
 */
public record SamplingOptions(double temperature, double topP, int topK, int maxNewTokens, Set<Integer> stopIds,
        List<int[]> stopSequences) {

    public SamplingOptions {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + ", expected a finite value >= 0");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP is " + topP + ", expected a value in (0, 1]");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK is " + topK + ", expected >= 0 (0 keeps all tokens)");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens is " + maxNewTokens + ", expected >= 1");
        }
        stopIds = stopIds == null ? Set.of() : Set.copyOf(stopIds);
        stopSequences = copySequences(stopSequences);
    }

    /** Returns options for greedy decoding that stop at {@code stopIds}. */
    public static SamplingOptions greedy(int maxNewTokens, Set<Integer> stopIds) {
        return new SamplingOptions(0, 1, 0, maxNewTokens, stopIds, List.of());
    }

    /** Returns options for plain sampling at {@code temperature} (no top-k or top-p) that stop at {@code stopIds}. */
    public static SamplingOptions sampling(double temperature, int maxNewTokens, Set<Integer> stopIds) {
        return new SamplingOptions(temperature, 1, 0, maxNewTokens, stopIds, List.of());
    }

    private static List<int[]> copySequences(List<int[]> sequences) {
        if (sequences == null) {
            return List.of();
        }
        List<int[]> copies = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            int[] sequence = sequences.get(i);
            if (sequence == null || sequence.length == 0) {
                throw new IllegalArgumentException("stopSequences[" + i + "] is empty");
            }
            copies.add(sequence.clone());
        }
        return List.copyOf(copies);
    }
}
