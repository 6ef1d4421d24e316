package io.reasonflow.model.training;

import ai.djl.ndarray.NDArray;
import io.reasonflow.model.safetensors.SafetensorsFile;
import io.reasonflow.model.safetensors.SafetensorsReader;
import io.reasonflow.model.safetensors.SafetensorsWriter;
import io.reasonflow.model.safetensors.Tensor;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors layout of an {@link AdamW} state. Tensors: {@code <parameter>.exp_avg} (first moment) and
 * {@code <parameter>.exp_avg_sq} (second moment), float32, in parameter-name order, the names PyTorch's AdamW
 * uses for the same buffers. Metadata: {@code format} ({@value #FORMAT}), {@code step}, {@code learning_rate},
 * {@code beta1}, {@code beta2}, {@code epsilon}, {@code weight_decay} and {@code max_grad_norm}. Numbers are
 * written with {@link Double#toString}, which reads back to the same double.
 */
final class AdamWStateFile {
    static final String FORMAT = "reasonflow-adamw-1";
    static final String FIRST_SUFFIX = ".exp_avg";
    static final String SECOND_SUFFIX = ".exp_avg_sq";

    /** Moments by parameter name, the step count and the learning rate read from a file. */
    record Contents(long stepCount, double learningRate, Map<String, Tensor> firstMoments,
            Map<String, Tensor> secondMoments) {
    }

    private AdamWStateFile() {
    }

    static byte[] write(AdamW.Options options, long stepCount, double learningRate, Map<String, NDArray> first,
            Map<String, NDArray> second) {
        List<Tensor> tensors = new ArrayList<>();
        for (String name : new TreeMap<>(first).keySet()) {
            tensors.add(tensor(name + FIRST_SUFFIX, first.get(name)));
            tensors.add(tensor(name + SECOND_SUFFIX, second.get(name)));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("step", Long.toString(stepCount));
        metadata.put("learning_rate", Double.toString(learningRate));
        options(options).forEach(metadata::put);
        return SafetensorsWriter.write(tensors, metadata);
    }

    static Contents read(byte[] bytes, AdamW.Options options, PolicyModel model) {
        SafetensorsFile file = SafetensorsReader.read(bytes);
        Map<String, String> metadata = file.metadata();
        if (!FORMAT.equals(metadata.get("format"))) {
            throw new IllegalArgumentException("optimizer state has format " + metadata.get("format") + ", expected "
                    + FORMAT);
        }
        for (Map.Entry<String, String> option : options(options).entrySet()) {
            if (!option.getValue().equals(metadata.get(option.getKey()))) {
                throw new IllegalArgumentException("optimizer state was written with " + option.getKey() + " "
                        + metadata.get(option.getKey()) + " but this optimizer has " + option.getValue());
            }
        }
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        for (Tensor tensor : file.tensors().values()) {
            boolean isSecond = tensor.name().endsWith(SECOND_SUFFIX);
            if (!isSecond && !tensor.name().endsWith(FIRST_SUFFIX)) {
                throw new IllegalArgumentException("optimizer state contains tensor " + tensor.name()
                        + ", expected names ending in " + FIRST_SUFFIX + " or " + SECOND_SUFFIX);
            }
            String parameter = tensor.name().substring(0,
                    tensor.name().length() - (isSecond ? SECOND_SUFFIX : FIRST_SUFFIX).length());
            checkShape(tensor, parameter, model);
            (isSecond ? second : first).put(parameter, tensor);
        }
        if (!first.keySet().equals(second.keySet())) {
            throw new IllegalArgumentException("optimizer state has first moments for " + first.keySet()
                    + " but second moments for " + second.keySet());
        }
        return new Contents(number(metadata, "step").longValue(), number(metadata, "learning_rate").doubleValue(),
                first, second);
    }

    private static Map<String, String> options(AdamW.Options options) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("beta1", Double.toString(options.beta1()));
        values.put("beta2", Double.toString(options.beta2()));
        values.put("epsilon", Double.toString(options.epsilon()));
        values.put("weight_decay", Double.toString(options.weightDecay()));
        values.put("max_grad_norm", Double.toString(options.maxGradNorm()));
        return values;
    }

    private static void checkShape(Tensor moment, String parameter, PolicyModel model) {
        NDArray target = model.parameters().get(parameter);
        if (target == null) {
            throw new IllegalArgumentException("optimizer state contains moments of " + parameter
                    + ", which this model does not have");
        }
        if (!Arrays.equals(target.getShape().getShape(), moment.shape())) {
            throw new IllegalArgumentException("optimizer state contains " + moment.name() + " with shape "
                    + Arrays.toString(moment.shape()) + " but parameter " + parameter + " has shape "
                    + target.getShape());
        }
    }

    private static Number number(Map<String, String> metadata, String key) {
        String value = metadata.get(key);
        try {
            return "step".equals(key) ? Long.parseLong(value) : Double.parseDouble(value);
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException("optimizer state has " + key + " " + value + ", expected a number", e);
        }
    }

    private static Tensor tensor(String name, NDArray array) {
        return new Tensor(name, array.getShape().getShape(), array.toFloatArray());
    }
}
