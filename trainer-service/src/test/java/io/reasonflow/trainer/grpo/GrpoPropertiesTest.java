package io.reasonflow.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.reasonflow.trainer.TrainerProperties;
import io.reasonflow.trainer.TrainerProperties.Grpo.Aggregation;
import io.reasonflow.trainer.TrainerProperties.Grpo.Scaling;
import io.reasonflow.trainer.grpo.GrpoFixtures.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class GrpoPropertiesTest {

    @Test
    void defaultsMatchShortConstructor() throws IOException {
        TrainerProperties.Grpo bound = bind(Map.of());
        TrainerProperties.Grpo constructed = new TrainerProperties.Grpo(bound.steps(), bound.groupsPerStep(),
                bound.groupSize(), bound.temperature(), bound.maxNewTokens(), bound.learningRate(), bound.epsilonLow(),
                bound.epsilonHigh(), bound.beta(), bound.stalenessBound());

        assertThat(bound).isEqualTo(constructed);
        assertThat(bound.aggregation()).isEqualTo(Aggregation.SEQUENCE_MEAN);
        assertThat(bound.scaling()).isEqualTo(Scaling.GROUP_STD);
        assertThat(bound.estimator()).isEqualTo(StdEstimator.SAMPLE);
        assertThat(bound.mu()).isEqualTo(1);
        assertThat(bound.optimizerStepsPerStep()).isEqualTo(1);
    }

    @Test
    void optionsBindFromKebabCase() throws IOException {
        Map<String, String> overrides = new HashMap<>();
        overrides.put("reasonflow.trainer.grpo.loss-aggregation", "token-mean");
        overrides.put("reasonflow.trainer.grpo.advantage-scaling", "batch-std");
        overrides.put("reasonflow.trainer.grpo.std-estimator", "population");
        overrides.put("reasonflow.trainer.grpo.dual-clip", "3");
        overrides.put("reasonflow.trainer.grpo.mu", "2");
        overrides.put("reasonflow.trainer.grpo.minibatch-size", "16");

        TrainerProperties.Grpo grpo = bind(overrides);

        assertThat(grpo.aggregation()).isEqualTo(Aggregation.TOKEN_MEAN);
        assertThat(grpo.scaling()).isEqualTo(Scaling.BATCH_STD);
        assertThat(grpo.estimator()).isEqualTo(StdEstimator.POPULATION);
        assertThat(GrpoSettings.loss(grpo).dualClip()).isEqualTo(3.0);
        assertThat(GrpoSettings.aggregation(grpo)).isEqualTo(new TokenMean());
        assertThat(GrpoSettings.advantages(grpo).scaling()).isEqualTo(new BatchStd(StdEstimator.POPULATION, 1e-4));
        assertThat(grpo.optimizerStepsPerStep()).isEqualTo(8);
    }

    @Test
    void constantNormaliserUsesMaxNewTokens() {
        Settings settings = new Settings();
        settings.aggregation = "constant";
        settings.maxNewTokens = 96;

        assertThat(GrpoSettings.aggregation(settings.build())).isEqualTo(new ConstantNormaliser(96));
        assertThat(GrpoSettings.loss(settings.build()).dualClip()).isNull();
    }

    @Test
    void groupSizeOneIsRejected() {
        assertThatThrownBy(() -> bind(Map.of("reasonflow.trainer.grpo.group-size", "1")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessage("reasonflow.trainer.grpo.group-size is 1, expected >= 2, because group-relative "
                        + "advantages need at least two completions");
    }

    @Test
    void invalidValuesNameProperty() {
        Settings settings = new Settings();
        settings.minibatchSize = 3;
        assertThatThrownBy(settings::build).hasMessage("reasonflow.trainer.grpo.minibatch-size is 3, expected 0 "
                + "(the whole batch) or a divisor of groups-per-step x group-size = 8");

        Settings dual = new Settings();
        dual.dualClip = 0.5;
        assertThatThrownBy(dual::build)
                .hasMessage("reasonflow.trainer.grpo.dual-clip is 0.5, expected 0 (off) or a finite value > 1");

        Settings cap = new Settings();
        cap.importanceWeightCap = 0.9;
        assertThatThrownBy(cap::build)
                .hasMessage("reasonflow.trainer.grpo.importance-weight-cap is 0.9, expected >= 1");

        Settings mu = new Settings();
        mu.mu = 0;
        assertThatThrownBy(mu::build).hasMessage("reasonflow.trainer.grpo.mu is 0, expected >= 1");

        Settings ratio = new Settings();
        ratio.minLearningRateRatio = 1.5;
        assertThatThrownBy(ratio::build)
                .hasMessage("reasonflow.trainer.grpo.min-learning-rate-ratio is 1.5, expected a value in [0, 1]");

        Settings aggregation = new Settings();
        aggregation.aggregation = null;
        assertThatThrownBy(aggregation::build).hasMessage("reasonflow.trainer.grpo.loss-aggregation is null, "
                + "expected sequence-mean, token-mean or constant");
    }

    @Test
    void unknownChoiceIsRejected() {
        assertThatThrownBy(() -> bind(Map.of("reasonflow.trainer.grpo.loss-aggregation", "median")))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessage("reasonflow.trainer.grpo.loss-aggregation is median, expected sequence-mean, token-mean "
                        + "or constant");
        assertThatThrownBy(() -> bind(Map.of("reasonflow.trainer.grpo.advantage-scaling", "rank")))
                .rootCause()
                .hasMessage("reasonflow.trainer.grpo.advantage-scaling is rank, expected group-std, batch-std or none");
        assertThatThrownBy(() -> bind(Map.of("reasonflow.trainer.grpo.std-estimator", "biased")))
                .rootCause()
                .hasMessage("reasonflow.trainer.grpo.std-estimator is biased, expected sample or population");
    }

    @Test
    void choicesIgnoreCaseAndUnderscores() throws IOException {
        TrainerProperties.Grpo grpo = bind(Map.of("reasonflow.trainer.grpo.loss-aggregation", "TOKEN_MEAN"));

        assertThat(grpo.aggregation()).isEqualTo(Aggregation.TOKEN_MEAN);
    }

    /** Binds the GRPO settings of {@code trainer-service.properties} with {@code overrides} applied. */
    private static TrainerProperties.Grpo bind(Map<String, String> overrides) throws IOException {
        Properties defaults = new Properties();
        try (InputStream in = GrpoPropertiesTest.class.getResourceAsStream("/trainer-service.properties")) {
            defaults.load(in);
        }
        Map<String, Object> values = new HashMap<>();
        defaults.forEach((key, value) -> values.put((String) key, value));
        values.putAll(overrides);
        Binder binder = new Binder(new MapConfigurationPropertySource(values));
        return binder.bind("reasonflow.trainer.grpo", TrainerProperties.Grpo.class).get();
    }
}
