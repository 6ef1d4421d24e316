package io.reasonflow.distill.select;

import io.reasonflow.contracts.FinishReason;
import io.reasonflow.model.tokenizer.ByteTokenizer;

/** Traces of a two-digit addition, right and wrong in each way the selection checks. */
final class TraceFixtures {
    static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    static final String PROMPT = "User: 12+5\nAssistant: ";
    static final String CORRECT = "<think>\n12+5\n2+5=7 write 7\n1 write 1\n=17\n</think>\n<answer>17</answer>";

    private TraceFixtures() {
    }

    static Trace trace(String orderKey, String prompt, String completion, String answer, FinishReason finish) {
        return new Trace("trace " + orderKey, orderKey, "p-" + prompt.hashCode(), prompt, answer, completion,
                TOKENIZER.encode(completion), finish);
    }

    static Trace correct(String orderKey) {
        return trace(orderKey, PROMPT, CORRECT, "17", FinishReason.STOP);
    }
}
