package io.reasonflow.distill.select;

import io.reasonflow.contracts.Completion;
import io.reasonflow.contracts.FinishReason;
import io.reasonflow.contracts.ScoredGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * One teacher completion with what selection and training need.
 *
 * @param id            names the trace in messages: {@code prompt <prompt id> (group <group id>, completion <i>)}
 *                      for a scored group, {@code FILE:LINE} for a line of a traces file
 * @param orderKey      sort key that fixes which of two duplicates is kept, whatever order the records arrived in
 * @param promptId      id of the task instance, or the file position when the file gives none
 * @param prompt        the full prompt text given to the model, template included
 * @param answer        the reference answer
 * @param completion    the completion text
 * @param completionIds the completion's token ids, prompt excluded
 * @param finishReason  stop or length
 */
public record Trace(String id, String orderKey, String promptId, String prompt, String answer, String completion,
        int[] completionIds, FinishReason finishReason) {

    /** Returns one trace per completion of {@code group}. */
    public static List<Trace> of(ScoredGroup group) {
        var prompt = group.group().prompt();
        List<Completion> completions = group.group().completions();
        List<Trace> traces = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            Completion completion = completions.get(i);
            traces.add(new Trace("prompt " + prompt.promptId() + " (group " + group.groupId() + ", completion " + i
                    + ")", group.groupId() + String.format("/%06d", i), prompt.promptId(), prompt.text(),
                    prompt.referenceAnswer(), completion.text(), completion.tokenIds(), completion.finishReason()));
        }
        return traces;
    }
}
