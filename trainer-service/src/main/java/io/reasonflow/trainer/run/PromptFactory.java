package io.reasonflow.trainer.run;

import io.reasonflow.contracts.Messages;
import io.reasonflow.contracts.PromptMessage;
import io.reasonflow.contracts.Purpose;
import io.reasonflow.contracts.SamplingSettings;
import io.reasonflow.tasks.TaskExample;
import io.reasonflow.tasks.prompt.PromptTemplate;
import java.util.List;

/** Turns task examples into prompt messages with run-unique group ids. */
public class PromptFactory {
    /** Sampling ends once the answer block is closed. */
    public static final List<String> STOP = List.of("</answer>");

    private final String runId;
    private final PromptTemplate template;
    private long nextGroup;

    public PromptFactory(String runId, PromptTemplate template) {
        this.runId = runId;
        this.template = template;
    }

    public PromptMessage create(TaskExample example, Purpose purpose, SamplingSettings sampling, long minPolicyVersion) {
        String groupId = runId + "-" + purpose.wireName() + "-" + nextGroup++;
        return new PromptMessage(Messages.SCHEMA_VERSION, runId, groupId, example.id(), example.task(),
                template.render(example.question()), example.answer(), purpose, sampling, minPolicyVersion);
    }

    public String promptText(TaskExample example) {
        return template.render(example.question());
    }
}
