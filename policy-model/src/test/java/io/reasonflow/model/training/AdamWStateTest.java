package io.reasonflow.model.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.tokenizer.ByteTokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Saving and loading the optimizer state: a loaded optimizer continues exactly where the saved one stopped. */
class AdamWStateTest {
    private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
    private static final ModelConfig CONFIG = ModelConfig.tiny(ByteTokenizer.VOCAB_SIZE);

    private static NDManager manager;

    @BeforeAll
    static void createManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void closeManager() {
        manager.close();
    }

    private static SequenceBatch batch(String text) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> completions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            prompts.add(new int[] {TOKENIZER.bosId()});
            completions.add(TOKENIZER.encode(text.substring(i)));
        }
        return new SequenceBatch(manager, prompts, completions, TOKENIZER.padId(), CONFIG.maxPositionEmbeddings());
    }

    private static void trainStep(PolicyModel model, AdamW optimizer, SequenceBatch batch) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector();
                NDArray loss = SftLoss.compute(model, batch)) {
            collector.backward(loss);
        }
        optimizer.step(model);
    }

    @Test
    void stateRoundTripIsBitIdentical() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 11);
                SequenceBatch batch = batch("round trip of moments");
                AdamW optimizer = new AdamW(AdamW.Options.defaults(2e-3));
                AdamW loaded = new AdamW(AdamW.Options.defaults(2e-3))) {
            model.setTrainable(true);
            trainStep(model, optimizer, batch);
            trainStep(model, optimizer, batch);
            optimizer.setLearningRate(1.2345e-3);
            byte[] saved = optimizer.saveState();

            loaded.loadState(saved, model);

            assertThat(loaded.stepCount()).isEqualTo(2);
            assertThat(loaded.learningRate()).isEqualTo(1.2345e-3);
            assertThat(loaded.saveState()).isEqualTo(saved);
        }
    }

    @Test
    void loadedStateContinuesIdentically() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 12);
                SequenceBatch batch = batch("continue after a restart");
                AdamW optimizer = new AdamW(AdamW.Options.defaults(3e-3))) {
            model.setTrainable(true);
            trainStep(model, optimizer, batch);
            try (PolicyModel restarted = model.copy(); AdamW resumed = new AdamW(AdamW.Options.defaults(3e-3))) {
                restarted.setTrainable(true);
                resumed.loadState(optimizer.saveState(), restarted);

                trainStep(model, optimizer, batch);
                trainStep(restarted, resumed, batch);

                for (Map.Entry<String, NDArray> entry : model.parameters().entrySet()) {
                    assertThat(restarted.parameters().get(entry.getKey()).toFloatArray()).as(entry.getKey())
                            .containsExactly(entry.getValue().toFloatArray());
                }
                assertThat(resumed.saveState()).isEqualTo(optimizer.saveState());
            }
        }
    }

    @Test
    void otherOptionsAreRejected() {
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 13);
                SequenceBatch batch = batch("options must match");
                AdamW optimizer = new AdamW(AdamW.Options.defaults(1e-3));
                AdamW other = new AdamW(new AdamW.Options(1e-3, 0.8, 0.999, 1e-8, 0.01, 1.0))) {
            model.setTrainable(true);
            trainStep(model, optimizer, batch);
            byte[] saved = optimizer.saveState();
            assertThatThrownBy(() -> other.loadState(saved, model))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("beta1 0.9").hasMessageContaining("0.8");
        }
    }

    @Test
    void unknownParameterIsRejected() {
        ModelConfig wider = new ModelConfig(ByteTokenizer.VOCAB_SIZE, 128, 2, 4, 2, 172, 512, 10_000.0, 1e-5, true,
                CONFIG.bosTokenId(), CONFIG.eosTokenIds().get(0));
        try (PolicyModel model = PolicyModel.initialize(CONFIG, 14);
                PolicyModel other = PolicyModel.initialize(wider, 14);
                SequenceBatch batch = batch("shapes must match");
                AdamW optimizer = new AdamW(AdamW.Options.defaults(1e-3));
                AdamW loaded = new AdamW(AdamW.Options.defaults(1e-3))) {
            model.setTrainable(true);
            trainStep(model, optimizer, batch);
            byte[] saved = optimizer.saveState();
            assertThatThrownBy(() -> loaded.loadState(saved, other))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("shape");
        }
    }
}
