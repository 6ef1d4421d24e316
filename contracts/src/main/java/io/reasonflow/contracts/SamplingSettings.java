package io.reasonflow.contracts;

import java.util.List;

/**
 * How the rollout service samples the completions of one prompt.
 *
 * @param groupSize    G, completions per prompt (at least 1)
 * @param temperature  softmax temperature; 0 means greedy decoding
 * @param topP         nucleus mass kept, in (0, 1]
 * @param topK         tokens kept by probability rank; 0 keeps all
 * @param maxNewTokens completion length limit in tokens
 * @param stop         strings that end a completion when generated (the stop string is kept)
 */
public record SamplingSettings(int groupSize, double temperature, double topP, int topK, int maxNewTokens,
        List<String> stop) {

    public SamplingSettings {
        Checks.finite(temperature, "sampling.temperature");
        Checks.finite(topP, "sampling.top_p");
        if (groupSize < 1) {
            throw new InvalidMessageException("sampling.group_size is " + groupSize + ", expected >= 1");
        }
        if (temperature < 0) {
            throw new InvalidMessageException("sampling.temperature is " + temperature + ", expected >= 0");
        }
        if (topP <= 0 || topP > 1) {
            throw new InvalidMessageException("sampling.top_p is " + topP + ", expected a value in (0, 1]");
        }
        if (topK < 0) {
            throw new InvalidMessageException("sampling.top_k is " + topK + ", expected >= 0 (0 keeps all tokens)");
        }
        if (maxNewTokens < 1) {
            throw new InvalidMessageException("sampling.max_new_tokens is " + maxNewTokens + ", expected >= 1");
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
    }
}
