package io.reasonflow.tasks.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromptTemplateTest {

    @Test
    void compactTemplateRendersQuestion() {
        String prompt = PromptTemplate.R1_ZERO_COMPACT.render("472+389");

        assertThat(prompt).isEqualTo("User: 472+389\nAssistant: ");
        assertThat(PromptTemplate.R1_ZERO_COMPACT.name()).isEqualTo("r1-zero-compact");
    }

    @Test
    void renderStripsSurroundingWhitespace() {
        assertThat(PromptTemplate.R1_ZERO_COMPACT.render("  What is 2+2?\n"))
                .isEqualTo("User: What is 2+2?\nAssistant: ");
    }

    @Test
    void blankNameIsRejected() {
        assertThatThrownBy(() -> new PromptTemplate(" ", "", ""))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
