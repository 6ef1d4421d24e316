package io.reasonflow.model.checkpoint;

import io.reasonflow.model.safetensors.SafetensorsFile;
import io.reasonflow.model.safetensors.SafetensorsFormatException;
import io.reasonflow.model.safetensors.SafetensorsReader;
import io.reasonflow.model.safetensors.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the weights of a checkpoint directory: {@code model.safetensors} when it exists (transformers prefers it
 * too), else the shards listed in {@code model.safetensors.index.json}. Every tensor of a shard must be mapped to
 * that shard by the index and every name in the index must be in its shard.
 */
final class WeightsReader {

    /**
     * The tensors of a checkpoint.
     *
     * @param tensors by name, in file order
     * @param source  the file that lists them ({@code model.safetensors} or the index), for messages
     */
    record Weights(Map<String, Tensor> tensors, Path source) {
    }

    private WeightsReader() {
    }

    /**
     * Reads the weights of {@code dir}.
     *
     * @throws UncheckedIOException       when neither weights file exists or one cannot be read; names the file
     * @throws SafetensorsFormatException when a file is malformed or the index and the shards disagree; names the
     *                                    file and the reason
     */
    static Weights read(Path dir) {
        Path single = dir.resolve(Checkpoints.WEIGHTS_FILE);
        Path index = dir.resolve(Checkpoints.INDEX_FILE);
        if (Files.exists(single) || !Files.exists(index)) {
            return new Weights(readFile(single).tensors(), single);
        }
        return new Weights(readShards(dir, index), index);
    }

    private static Map<String, Tensor> readShards(Path dir, Path indexFile) {
        String json;
        try {
            json = Files.readString(indexFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + indexFile, e);
        }
        ShardIndex index = ShardIndex.parse(json, indexFile);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String shardName : index.shardFiles()) {
            Path shard = dir.resolve(shardName);
            if (!Files.exists(shard)) {
                throw new SafetensorsFormatException(shard + ": missing, but " + indexFile.getFileName()
                        + " maps tensors to it");
            }
            for (Map.Entry<String, Tensor> entry : readFile(shard).tensors().entrySet()) {
                if (!shardName.equals(index.weightMap().get(entry.getKey()))) {
                    throw new SafetensorsFormatException(shard + ": contains tensor " + entry.getKey() + ", which "
                            + indexFile.getFileName() + " maps to " + index.weightMap().get(entry.getKey()));
                }
                tensors.put(entry.getKey(), entry.getValue());
            }
        }
        for (Map.Entry<String, String> entry : index.weightMap().entrySet()) {
            if (!tensors.containsKey(entry.getKey())) {
                throw new SafetensorsFormatException(dir.resolve(entry.getValue()) + ": has no tensor "
                        + entry.getKey() + ", which " + indexFile.getFileName() + " maps to it");
            }
        }
        return tensors;
    }

    private static SafetensorsFile readFile(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("cannot read " + file + " (nor is there a "
                    + Checkpoints.INDEX_FILE + " of shards)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try {
            return SafetensorsReader.read(bytes);
        } catch (SafetensorsFormatException e) {
            throw new SafetensorsFormatException(file + ": " + e.getMessage(), e);
        }
    }
}
