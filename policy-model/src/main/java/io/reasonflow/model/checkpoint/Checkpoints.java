package io.reasonflow.model.checkpoint;

import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.safetensors.SafetensorsFormatException;
import io.reasonflow.model.transformer.PolicyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hugging Face style checkpoint directories: {@code config.json} plus {@code model.safetensors}.
 * Each file is written to a temporary name and then moved into place, so a reader never sees a partial file.
 */
public final class Checkpoints {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    private Checkpoints() {
    }

    /** Writes the model's config and weights into {@code dir}, creating it if needed. */
    public static void save(Path dir, PolicyModel model) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create checkpoint directory " + dir, e);
        }
        writeAtomically(dir.resolve(CONFIG_FILE), model.config().toJson().getBytes(StandardCharsets.UTF_8));
        writeAtomically(dir.resolve(WEIGHTS_FILE), model.toSafetensors());
        LOG.info("Saved checkpoint with {} parameters to {}", model.parameterCount(), dir);
    }

    /**
     * Loads a model from {@code dir}.
     *
     * @throws UncheckedIOException     when a file cannot be read; the message names it
     * @throws IllegalArgumentException when a file is invalid; the message names it and the problem
     */
    public static PolicyModel load(Path dir) {
        Path configPath = dir.resolve(CONFIG_FILE);
        Path weightsPath = dir.resolve(WEIGHTS_FILE);
        ModelConfig config;
        try {
            config = ModelConfig.fromJson(Files.readString(configPath, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configPath + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configPath, e);
        }
        byte[] weights;
        try {
            weights = Files.readAllBytes(weightsPath);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + weightsPath, e);
        }
        try {
            PolicyModel model = PolicyModel.fromSafetensors(config, weights);
            LOG.info("Loaded checkpoint with {} parameters from {}", model.parameterCount(), dir);
            return model;
        } catch (SafetensorsFormatException e) {
            throw new SafetensorsFormatException(weightsPath + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weightsPath + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) {
        Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.write(temporary, bytes);
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }
}
