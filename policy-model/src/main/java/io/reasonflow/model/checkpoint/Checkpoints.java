package io.reasonflow.model.checkpoint;

import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.files.AtomicFiles;
import io.reasonflow.model.safetensors.SafetensorsFormatException;
import io.reasonflow.model.safetensors.SafetensorsWriter;
import io.reasonflow.model.safetensors.Tensor;
import io.reasonflow.model.tokenizer.HfTokenizer;
import io.reasonflow.model.tokenizer.Tokenizer;
import io.reasonflow.model.transformer.PolicyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hugging Face checkpoint directories: {@code config.json} plus either {@code model.safetensors} or shards
 * {@code model-0000i-of-0000n.safetensors} listed in {@code model.safetensors.index.json}, and the tokenizer files
 * when the model has a Hugging Face tokenizer. Weights are written as float32; F16 and BF16 files are converted on
 * load. Each file is written to a temporary name and then moved into place, so a reader never sees a partial file.
 */
public final class Checkpoints {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** Largest shard written by default: 1 GiB of tensor data, well below Java's 2 GiB array limit. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 1L << 30;
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    private static final Map<String, String> METADATA = Map.of("format", "pt");

    private Checkpoints() {
    }

    /** Writes the model's config and weights into {@code dir}, creating it if needed. */
    public static void save(Path dir, PolicyModel model) {
        save(dir, model, null, DEFAULT_MAX_SHARD_BYTES);
    }

    /** Writes config, weights and, for an {@link HfTokenizer}, its files; other tokenizers write nothing. */
    public static void save(Path dir, PolicyModel model, Tokenizer tokenizer) {
        save(dir, model, tokenizer, DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Writes config, weights (sharded when they exceed {@code maxShardBytes} of tensor data) and tokenizer files.
     * Weight files of an earlier save in the other layout are removed after the new ones are in place.
     *
     * @param tokenizer the model's tokenizer, or null
     */
    public static void save(Path dir, PolicyModel model, Tokenizer tokenizer, long maxShardBytes) {
        List<List<Tensor>> shards = ShardPlan.split(model.tensors(), maxShardBytes);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create checkpoint directory " + dir, e);
        }
        AtomicFiles.write(dir.resolve(CONFIG_FILE), model.config().toJson().getBytes(StandardCharsets.UTF_8));
        Set<String> written = shards.size() == 1 ? writeSingle(dir, shards.get(0)) : writeShards(dir, shards);
        removeStaleWeights(dir, written);
        if (tokenizer instanceof HfTokenizer huggingFace) {
            huggingFace.writeFiles(dir);
        }
        LOG.info("Saved checkpoint with {} parameters in {} weight file(s) to {}", model.parameterCount(),
                shards.size(), dir);
    }

    private static Set<String> writeSingle(Path dir, List<Tensor> tensors) {
        AtomicFiles.write(dir.resolve(WEIGHTS_FILE), SafetensorsWriter.write(tensors, METADATA));
        return Set.of(WEIGHTS_FILE);
    }

    private static Set<String> writeShards(Path dir, List<List<Tensor>> shards) {
        Map<String, String> weightMap = new LinkedHashMap<>();
        Set<String> written = new HashSet<>();
        long totalSize = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = ShardIndex.shardName(i, shards.size());
            AtomicFiles.write(dir.resolve(name), SafetensorsWriter.write(shards.get(i), METADATA));
            for (Tensor tensor : shards.get(i)) {
                weightMap.put(tensor.name(), name);
                totalSize += ShardPlan.dataBytes(tensor);
            }
            written.add(name);
        }
        // The index goes last, so a reader that finds it finds every shard complete.
        String index = new ShardIndex(weightMap, totalSize).toJson();
        AtomicFiles.write(dir.resolve(INDEX_FILE), index.getBytes(StandardCharsets.UTF_8));
        written.add(INDEX_FILE);
        return written;
    }

    private static void removeStaleWeights(Path dir, Set<String> written) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                boolean weights = name.equals(WEIGHTS_FILE) || name.equals(INDEX_FILE)
                        || ShardIndex.SHARD_NAME.matcher(name).matches();
                if (weights && !written.contains(name)) {
                    Files.delete(file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove earlier weight files from " + dir, e);
        }
    }

    /**
     * Loads a model from {@code dir}. Use {@link HfTokenizer#load(Path)} for its tokenizer when
     * {@link HfTokenizer#isPresent(Path)}.
     *
     * @throws UncheckedIOException     when a file cannot be read; the message names it
     * @throws IllegalArgumentException when a file is invalid or the files disagree; the message names the file
     *                                  and the problem
     */
    public static PolicyModel load(Path dir) {
        ModelConfig config = readConfig(dir.resolve(CONFIG_FILE));
        WeightsReader.Weights weights = WeightsReader.read(dir);
        try {
            PolicyModel model = PolicyModel.fromTensors(config, weights.tensors());
            LOG.info("Loaded checkpoint with {} parameters from {}", model.parameterCount(), dir);
            return model;
        } catch (SafetensorsFormatException e) {
            throw new SafetensorsFormatException(weights.source() + ": " + e.getMessage(), e);
        }
    }

    private static ModelConfig readConfig(Path configPath) {
        try {
            return ModelConfig.fromJson(Files.readString(configPath, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configPath + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + configPath, e);
        }
    }
}
