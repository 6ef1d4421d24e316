package io.reasonflow.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.safetensors.Tensor;
import io.reasonflow.model.tensor.GradMode;
import io.reasonflow.model.tensor.OwnedArrays;
import io.reasonflow.model.transformer.ParameterLayout;
import io.reasonflow.model.transformer.PolicyModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AdamW (Loshchilov and Hutter, decoupled weight decay) with global-norm gradient clipping, updating a
 * {@link PolicyModel}'s parameters in place. It matches {@code torch.optim.AdamW} followed by a gradient
 * clipping step: the first and second moments are kept per parameter name and bias-corrected.
 *
 * <p>Per step t, with g the clipped gradient:
 * <pre>
 * p = p * (1 - lr * weightDecay)                  (not for RMSNorm scales and biases)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g^2
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * The gradients are consumed: {@link #step} zeroes them, so gradients of several backward calls accumulate until
 * the next step. A step whose gradient norm is not finite changes nothing but the gradients, which it zeroes.
 */
public final class AdamW implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdamW.class);

    private final Options options;
    private final Map<String, NDArray> firstMoments = new HashMap<>();
    private final Map<String, NDArray> secondMoments = new HashMap<>();
    private NDManager stateManager;
    private double learningRate;
    private long stepCount;

    /**
     * Optimizer settings.
     *
     * @param learningRate initial learning rate
     * @param beta1        first-moment decay
     * @param beta2        second-moment decay
     * @param epsilon      added to the root of the second moment
     * @param weightDecay  decoupled weight decay, not applied to RMSNorm scales and biases
     * @param maxGradNorm  clip the global L2 norm of all gradients to this value; 0 disables clipping
     */
    public record Options(double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
            double maxGradNorm) {

        public Options {
            check(learningRate >= 0, "learningRate", learningRate, ">= 0");
            check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "in [0, 1)");
            check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "in [0, 1)");
            check(epsilon > 0, "epsilon", epsilon, "> 0");
            check(weightDecay >= 0, "weightDecay", weightDecay, ">= 0");
            check(maxGradNorm >= 0, "maxGradNorm", maxGradNorm, ">= 0 (0 disables clipping)");
        }

        /** Returns betas (0.9, 0.999), epsilon 1e-8, weight decay 0.01 and clipping at norm 1. */
        public static Options defaults(double learningRate) {
            return new Options(learningRate, 0.9, 0.999, 1e-8, 0.01, 1.0);
        }

        private static void check(boolean valid, String name, double value, String expected) {
            if (!valid || Double.isNaN(value) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(name + " is " + value + ", expected a finite value " + expected);
            }
        }
    }

    /**
     * Outcome of one step.
     *
     * @param gradientNorm global L2 norm of the gradients before clipping
     * @param skipped      true when the norm was not finite and no parameter changed
     */
    public record StepResult(double gradientNorm, boolean skipped) {
    }

    public AdamW(Options options) {
        this.options = options;
        this.learningRate = options.learningRate();
    }

    /** Sets the learning rate used from the next step on, for schedules such as warmup and decay. */
    public void setLearningRate(double learningRate) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate is " + learningRate + ", expected a finite value >= 0");
        }
        this.learningRate = learningRate;
    }

    public double learningRate() {
        return learningRate;
    }

    /** Returns the number of steps taken, skipped steps excluded. */
    public long stepCount() {
        return stepCount;
    }

    /**
     * Updates every parameter of {@code model} that has a gradient, then zeroes the gradients.
     *
     * @throws IllegalStateException when no parameter has a gradient (the model is not trainable)
     */
    public StepResult step(PolicyModel model) {
        try (GradMode.Scope noGrad = GradMode.disabled(); NDScope scope = new NDScope()) {
            List<Map.Entry<String, NDArray>> trainable = trainableParameters(model);
            List<NDArray> gradients = new ArrayList<>();
            for (Map.Entry<String, NDArray> entry : trainable) {
                gradients.add(entry.getValue().getGradient());
            }
            double norm = globalNorm(gradients);
            if (!Double.isFinite(norm)) {
                LOG.warn("Skipping AdamW step {}: gradient norm is {}", stepCount + 1, norm);
                model.zeroGradients();
                return new StepResult(norm, true);
            }
            stepCount++;
            double clip = options.maxGradNorm() > 0 && norm > options.maxGradNorm()
                    ? options.maxGradNorm() / (norm + 1e-6) : 1.0;
            StepConstants constants = new StepConstants(model.manager(), clip);
            for (int i = 0; i < trainable.size(); i++) {
                update(trainable.get(i).getKey(), trainable.get(i).getValue(), gradients.get(i), constants);
            }
            gradients.forEach(NDArray::close);
            model.zeroGradients();
            return new StepResult(norm, false);
        }
    }

    private static List<Map.Entry<String, NDArray>> trainableParameters(PolicyModel model) {
        List<Map.Entry<String, NDArray>> trainable = new ArrayList<>();
        for (Map.Entry<String, NDArray> entry : model.parameters().entrySet()) {
            if (entry.getValue().hasGradient()) {
                trainable.add(entry);
            }
        }
        if (trainable.isEmpty()) {
            throw new IllegalStateException("no parameter has a gradient; call setTrainable(true) and run backward "
                    + "before step");
        }
        return trainable;
    }

    private static double globalNorm(List<NDArray> gradients) {
        double sumOfSquares = 0;
        for (NDArray gradient : gradients) {
            sumOfSquares += gradient.square().sum().getFloat();
        }
        return Math.sqrt(sumOfSquares);
    }

    /** The 0-d arrays of one step; they are closed with the step's scope. */
    private final class StepConstants {
        final NDArray clip;
        final boolean clipping;
        final NDArray decay;
        final NDArray beta1;
        final NDArray oneMinusBeta1;
        final NDArray beta2;
        final NDArray oneMinusBeta2;
        final NDArray secondMomentCorrection;
        final NDArray epsilon;
        final NDArray stepSize;

        StepConstants(NDManager manager, double clipFactor) {
            double correction1 = 1 - Math.pow(options.beta1(), stepCount);
            double correction2 = 1 - Math.pow(options.beta2(), stepCount);
            clipping = clipFactor < 1;
            clip = manager.create((float) clipFactor);
            decay = manager.create((float) (1 - learningRate * options.weightDecay()));
            beta1 = manager.create((float) options.beta1());
            oneMinusBeta1 = manager.create((float) (1 - options.beta1()));
            beta2 = manager.create((float) options.beta2());
            oneMinusBeta2 = manager.create((float) (1 - options.beta2()));
            secondMomentCorrection = manager.create((float) Math.sqrt(correction2));
            epsilon = manager.create((float) options.epsilon());
            stepSize = manager.create((float) (learningRate / correction1));
        }
    }

    private void update(String name, NDArray parameter, NDArray gradient, StepConstants constants) {
        NDArray g = constants.clipping ? gradient.mul(constants.clip) : gradient;
        NDArray m = moment(firstMoments, name, parameter);
        NDArray v = moment(secondMoments, name, parameter);
        if (options.weightDecay() > 0 && !ParameterLayout.isNorm(name) && !ParameterLayout.isBias(name)) {
            parameter.muli(constants.decay);
        }
        m.muli(constants.beta1).addi(g.mul(constants.oneMinusBeta1));
        v.muli(constants.beta2).addi(g.square().mul(constants.oneMinusBeta2));
        NDArray denominator = v.sqrt().div(constants.secondMomentCorrection).add(constants.epsilon);
        parameter.subi(m.div(denominator).mul(constants.stepSize));
    }

    private NDArray moment(Map<String, NDArray> moments, String name, NDArray parameter) {
        return moments.computeIfAbsent(name, key -> {
            if (stateManager == null) {
                stateManager = parameter.getManager().newSubManager();
            }
            return OwnedArrays.keep(stateManager.zeros(parameter.getShape()));
        });
    }

    /**
     * Serializes the state a later step depends on, as a safetensors file: the first and second moment of every
     * parameter that has them, as {@code <name>.exp_avg} and {@code <name>.exp_avg_sq} (float32, the parameter's
     * shape), and under {@code __metadata__} the step count, the current learning rate and the options. Loading it
     * with {@link #loadState} into an optimizer with the same options continues bit for bit.
     */
    public byte[] saveState() {
        return AdamWStateFile.write(options, stepCount, learningRate, firstMoments, secondMoments);
    }

    /**
     * Replaces this optimizer's state with one written by {@link #saveState}, for the parameters of {@code model}.
     *
     * @throws IllegalArgumentException when the file is not an optimizer state, was written with other options, or
     *                                  names a parameter the model lacks or with another shape. The message names
     *                                  the problem.
     */
    public void loadState(byte[] state, PolicyModel model) {
        AdamWStateFile.Contents contents = AdamWStateFile.read(state, options, model);
        close();
        stateManager = model.manager().newSubManager();
        for (Map.Entry<String, Tensor> entry : contents.firstMoments().entrySet()) {
            firstMoments.put(entry.getKey(), restored(entry.getValue()));
        }
        for (Map.Entry<String, Tensor> entry : contents.secondMoments().entrySet()) {
            secondMoments.put(entry.getKey(), restored(entry.getValue()));
        }
        stepCount = contents.stepCount();
        learningRate = contents.learningRate();
    }

    private NDArray restored(Tensor moment) {
        return OwnedArrays.keep(OwnedArrays.of(stateManager, moment.data(), new Shape(moment.shape())));
    }

    /** Frees the moment estimates; a later step starts again from zero moments and step count 0. */
    @Override
    public void close() {
        stepCount = 0;
        firstMoments.clear();
        secondMoments.clear();
        if (stateManager != null) {
            stateManager.close();
            stateManager = null;
        }
    }
}
