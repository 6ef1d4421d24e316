package io.reasonflow.model.tokenizer;

/**
 * The one rule by which prompt text becomes model input, shared by sampling and training so that
 * behaviour and training log-probs are computed over the same tokens: BOS followed by the text's ids.
 */
public final class PromptTokens {
    private PromptTokens() {
    }

    public static int[] encode(Tokenizer tokenizer, String promptText) {
        int[] text = tokenizer.encode(promptText);
        int[] ids = new int[text.length + 1];
        ids[0] = tokenizer.bosId();
        System.arraycopy(text, 0, ids, 1, text.length);
        return ids;
    }
}
