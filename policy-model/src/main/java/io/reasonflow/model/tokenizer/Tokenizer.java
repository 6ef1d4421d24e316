package io.reasonflow.model.tokenizer;

import java.util.Set;

/** Maps text to token ids and back. */
public interface Tokenizer {

    /** Encodes text to token ids, without adding BOS or EOS. */
    int[] encode(String text);

    /** Decodes token ids to text, skipping special ids (BOS, EOS, PAD). */
    String decode(int[] ids);

    int vocabSize();

    int bosId();

    /** Returns the end-of-sequence id that ends a training completion. */
    int eosId();

    int padId();

    /**
     * Returns every id that ends a completion, {@link #eosId()} included. Models such as chat-tuned Qwen2 stop at
     * more than one (end of turn and end of text); pass these as the sampler's stop ids.
     */
    default Set<Integer> eosIds() {
        return Set.of(eosId());
    }
}
