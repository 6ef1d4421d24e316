package io.reasonflow.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.ModelConfig;
import io.reasonflow.model.safetensors.SafetensorsFormatException;
import io.reasonflow.model.safetensors.SafetensorsReader;
import io.reasonflow.model.safetensors.SafetensorsWriter;
import io.reasonflow.model.safetensors.Tensor;
import io.reasonflow.model.tensor.GradMode;
import io.reasonflow.model.tensor.OwnedArrays;
import io.reasonflow.model.training.Scalars;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Llama-family decoder-only transformer on DJL: RMSNorm, rotary position embedding, grouped-query attention
 * with optional projection biases (Llama's {@code attention_bias}, Qwen2's q/k/v biases), SwiGLU MLP and an
 * optionally tied output head, with parameters under their Hugging Face names.
 *
 * <p>Dimensions in shape comments: B batch, T time (tokens per row), S keys (cached plus new), V vocabulary,
 * D hidden size, H query heads, K key/value heads, E head dim.
 *
 * <p>The model owns an {@link NDManager} with its parameters and long-lived constants, and {@link #close()} frees
 * them. Parameters are updated in place, so the arrays returned by {@link #parameters()} stay valid, and an
 * optimizer step or {@link #loadStateFrom} must not run while another thread calls {@code forward}. Training
 * runs {@link #forward(NDArray, NDArray)} under a DJL {@code GradientCollector} after
 * {@link #setTrainable(boolean) setTrainable(true)}.
 */
public final class PolicyModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyModel.class);
    private static final float INIT_STD = 0.02f;

    private final ModelConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final Scalars scalars;
    private final Decoder decoder;
    private boolean trainable;

    private PolicyModel(ModelConfig config, NDManager manager, LinkedHashMap<String, NDArray> parameters) {
        this.config = config;
        this.manager = manager;
        this.parameters = Collections.unmodifiableMap(parameters);
        this.scalars = new Scalars(manager);
        this.decoder = new Decoder(config, parameters, manager, scalars);
    }

    /**
     * Creates a model with seeded random weights: every matrix from N(0, 0.02^2), every RMSNorm scale 1, every
     * bias 0. The same config and seed give bit-identical weights.
     */
    public static PolicyModel initialize(ModelConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> entry : ParameterLayout.shapes(config).entrySet()) {
            float[] data = new float[Math.toIntExact(Tensor.elementCount(entry.getValue()))];
            if (ParameterLayout.isNorm(entry.getKey())) {
                Arrays.fill(data, 1f);
            } else if (!ParameterLayout.isBias(entry.getKey())) {
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) random.nextGaussian() * INIT_STD;
                }
            }
            values.put(entry.getKey(), data);
        }
        PolicyModel model = fromValues(config, values);
        LOG.info("Initialized a {}-layer model with {} parameters (seed {})", config.numHiddenLayers(),
                model.parameterCount(), seed);
        return model;
    }

    /**
     * Reads a model from safetensors bytes with Hugging Face parameter names. F32, F16 and BF16 tensors are
     * accepted and converted to float32.
     *
     * @throws SafetensorsFormatException when the file is malformed, a tensor is missing or unexpected, or a
     *                                    shape differs from {@code config}; the message names the tensor
     */
    public static PolicyModel fromSafetensors(ModelConfig config, byte[] bytes) {
        return fromTensors(config, SafetensorsReader.read(bytes).tensors());
    }

    /**
     * Builds a model from tensors by Hugging Face name, for example the union of a sharded checkpoint's files.
     * Like transformers, it skips {@code lm_head.weight} when the head is tied to the embedding, and the
     * {@code rotary_emb.inv_freq} buffers that older Llama checkpoints contain, since both are derived values.
     *
     * @throws SafetensorsFormatException when a tensor is missing or unexpected, or a shape differs from
     *                                    {@code config}; the message names the tensor
     */
    public static PolicyModel fromTensors(ModelConfig config, Map<String, Tensor> tensors) {
        Map<String, long[]> expected = ParameterLayout.shapes(config);
        warnOnDistinctTiedHead(config, tensors);
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name) && !isDerived(config, name)) {
                throw new SafetensorsFormatException("unexpected tensor " + name + " for a "
                        + config.numHiddenLayers() + "-layer " + config.modelType() + " model with "
                        + "tie_word_embeddings=" + config.tieWordEmbeddings() + " and attention biases="
                        + config.attentionBias());
            }
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> entry : expected.entrySet()) {
            Tensor tensor = tensors.get(entry.getKey());
            if (tensor == null) {
                throw new SafetensorsFormatException("missing tensor " + entry.getKey());
            }
            if (!Arrays.equals(tensor.shape(), entry.getValue())) {
                throw new SafetensorsFormatException("tensor " + entry.getKey() + " has shape "
                        + Arrays.toString(tensor.shape()) + ", expected " + Arrays.toString(entry.getValue()));
            }
            values.put(entry.getKey(), tensor.data());
        }
        return fromValues(config, values);
    }

    private static void warnOnDistinctTiedHead(ModelConfig config, Map<String, Tensor> tensors) {
        Tensor head = tensors.get(ParameterLayout.LM_HEAD);
        Tensor embedding = tensors.get(ParameterLayout.EMBED_TOKENS);
        if (config.tieWordEmbeddings() && head != null && embedding != null
                && !Arrays.equals(head.data(), embedding.data())) {
            LOG.warn("Ignoring {}, which differs from {}: tie_word_embeddings is true, so the head is the embedding",
                    ParameterLayout.LM_HEAD, ParameterLayout.EMBED_TOKENS);
        }
    }

    private static boolean isDerived(ModelConfig config, String name) {
        boolean tiedHead = config.tieWordEmbeddings() && ParameterLayout.LM_HEAD.equals(name);
        return tiedHead || name.endsWith(".rotary_emb.inv_freq");
    }

    private static PolicyModel fromValues(ModelConfig config, Map<String, float[]> values) {
        NDManager manager = NDManager.newBaseManager();
        LinkedHashMap<String, NDArray> parameters = new LinkedHashMap<>();
        Map<String, long[]> shapes = ParameterLayout.shapes(config);
        for (Map.Entry<String, float[]> entry : values.entrySet()) {
            Shape shape = new Shape(shapes.get(entry.getKey()));
            NDArray parameter = OwnedArrays.keep(OwnedArrays.of(manager, entry.getValue(), shape));
            parameter.setName(entry.getKey());
            parameters.put(entry.getKey(), parameter);
        }
        return new PolicyModel(config, manager, parameters);
    }

    /** Serializes the parameters as safetensors (F32, Hugging Face names, metadata {@code format: pt}). */
    public byte[] toSafetensors() {
        return SafetensorsWriter.write(tensors(), Map.of("format", "pt"));
    }

    /** Copies the parameters out as float32 tensors by Hugging Face name, in layout order. */
    public List<Tensor> tensors() {
        List<Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
            NDArray parameter = entry.getValue();
            tensors.add(new Tensor(entry.getKey(), parameter.getShape().getShape(), parameter.toFloatArray()));
        }
        return tensors;
    }

    public ModelConfig config() {
        return config;
    }

    /** Returns the parameters by Hugging Face name, in layout order, as a read-only map. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Returns the manager that owns the parameters. */
    public NDManager manager() {
        return manager;
    }

    /** Returns the cache of long-lived 0-d arrays that lives as long as this model. */
    public Scalars scalars() {
        return scalars;
    }

    public long parameterCount() {
        long count = 0;
        for (NDArray parameter : parameters.values()) {
            count += parameter.size();
        }
        return count;
    }

    /** Returns an independent deep copy with its own manager; the copy starts out not trainable. */
    public PolicyModel copy() {
        NDManager copyManager = NDManager.newBaseManager();
        LinkedHashMap<String, NDArray> copies = new LinkedHashMap<>();
        try (GradMode.Scope noGrad = GradMode.disabled()) {
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray copy = OwnedArrays.keep(entry.getValue().duplicate());
                copy.attach(copyManager);
                copy.setName(entry.getKey());
                copies.put(entry.getKey(), copy);
            }
        }
        return new PolicyModel(config, copyManager, copies);
    }

    /**
     * Copies every parameter value of {@code other} into this model's arrays in place, so references to them
     * stay valid. Gradients and trainability are unchanged.
     *
     * @throws IllegalArgumentException when the configs differ
     */
    public void loadStateFrom(PolicyModel other) {
        if (!config.equals(other.config)) {
            throw new IllegalArgumentException("cannot load parameters of a model with config " + other.config
                    + " into a model with config " + config);
        }
        try (GradMode.Scope noGrad = GradMode.disabled()) {
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                entry.getValue().set(new NDIndex("..."), other.parameters.get(entry.getKey()));
            }
        }
    }

    /** Makes autograd record gradients for the parameters, or stops it. */
    public void setTrainable(boolean trainable) {
        for (NDArray parameter : parameters.values()) {
            parameter.setRequiresGradient(trainable);
        }
        this.trainable = trainable;
    }

    public boolean isTrainable() {
        return trainable;
    }

    /** Sets every accumulated parameter gradient to zero. */
    public void zeroGradients() {
        for (NDArray parameter : parameters.values()) {
            GradMode.zeroGradient(parameter);
        }
    }

    /**
     * Computes next-token logits for a left-padded batch.
     *
     * <p>Position ids come from the mask (cumulative sum minus one, clamped at 0), so left padding does not
     * shift the positions of real tokens. Attention is causal and never attends to padding keys. Logits at
     * padding positions are finite but meaningless. The result is attached to {@code inputIds}' manager and all
     * intermediate arrays are closed. Under a {@code GradientCollector} the graph keeps what backward needs.
     *
     * @param inputIds      int64 [B,T] token ids
     * @param attentionMask [B,T], 1 for a real token and 0 for padding (any numeric type)
     * @return float32 logits [B,T,V]
     * @throws IllegalArgumentException for mismatched shapes, ids outside the vocabulary, or a row with more real
     *                                  tokens than max_position_embeddings
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask) {
        return run(inputIds, attentionMask, null);
    }

    /**
     * Computes logits [B,T,V] for new tokens that follow the ones already in {@code cache}, and appends their
     * keys and values to it. Feeding a sequence in pieces gives the same logits as one {@link #forward} call.
     * Runs without autograd.
     *
     * @param inputIds      int64 [B,T] new token ids
     * @param attentionMask [B,T], 1 for a real token and 0 for padding
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        try (GradMode.Scope noGrad = GradMode.disabled()) {
            return run(inputIds, attentionMask, cache);
        }
    }

    /** Creates an empty KV cache for {@code batchSize} rows and up to {@code capacity} tokens per row. */
    public KvCache newKvCache(int batchSize, int capacity) {
        return new KvCache(config, manager, batchSize, capacity);
    }

    private NDArray run(NDArray inputIds, NDArray attentionMask, KvCache cache) {
        Shape shape = inputIds.getShape();
        if (shape.dimension() != 2 || shape.get(1) < 1 || !shape.equals(attentionMask.getShape())) {
            throw new IllegalArgumentException("expected inputIds [B,T] with T >= 1 and an attentionMask of the same "
                    + "shape, got " + shape + " and " + attentionMask.getShape());
        }
        int batch = Math.toIntExact(shape.get(0));
        int time = Math.toIntExact(shape.get(1));
        if (cache != null) {
            cache.checkFits(batch, time);
        }
        try (NDScope scope = new NDScope()) {
            NDArray ids = inputIds.toType(DataType.INT64, false);
            checkIds(ids.toLongArray());
            long[] mask = attentionMask.toType(DataType.INT64, false).toLongArray();
            StepLayout layout = StepLayout.build(mask, batch, time, cache, config.maxPositionEmbeddings());
            NDArray logits = decoder.forward(ids, layout, cache); // [B,T,V]
            if (cache != null) {
                cache.advance(layout);
            }
            NDScope.unregister(logits);
            logits.attach(inputIds.getManager());
            return logits;
        }
    }

    private void checkIds(long[] ids) {
        for (long id : ids) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
    }

    @Override
    public void close() {
        decoder.close();
        scalars.close();
        manager.close();
    }
}
