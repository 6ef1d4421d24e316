package io.reasonflow.tasks.grading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GraderCatalogTest {

    @Test
    void everyNameCreatesItsGrader() {
        assertThat(GraderCatalog.NAMES).containsExactly("accuracy", "format", "format_partial", "language_consistency",
                "overlong", "repetition");
        for (String name : GraderCatalog.NAMES) {
            assertThat(GraderCatalog.create(name).name()).isEqualTo(name);
            assertThat(GraderCatalog.isKnown(name)).isTrue();
        }
    }

    @Test
    void unknownNameListsKnownGraders() {
        assertThat(GraderCatalog.isKnown("speed")).isFalse();
        assertThatThrownBy(() -> GraderCatalog.create("speed")).hasMessageContaining("speed").hasMessageContaining("accuracy");
    }
}
