package io.reasonflow.model.tokenizer;

/** Maps text to token ids and back. */
public interface Tokenizer {

    /** Encodes text to token ids, without adding BOS or EOS. */
    int[] encode(String text);

    /** Decodes token ids to text, skipping special ids (BOS, EOS, PAD). */
    String decode(int[] ids);

    int vocabSize();

    int bosId();

    int eosId();

    int padId();
}
