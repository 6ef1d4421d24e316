package io.reasonflow.distill.student;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.reasonflow.model.tensor.OwnedArrays;

/**
 * The student's loss over completion tokens: cross-entropy on the teacher's tokens, optionally mixed with logit
 * distillation, the forward KL divergence from the teacher's to the student's next-token distribution at a
 * temperature (Hinton, Vinyals and Dean 2015, "Distilling the Knowledge in a Neural Network", arXiv 1503.02531):
 *
 * <pre>
 * CE   = -sum_{b,t} m[b,t] * log q(x[b,t+1] | x[b,..t]) / sum m
 * KL   =  sum_{b,t} m[b,t] * sum_v p_T[b,t,v] * (log p_T[b,t,v] - log q_T[b,t,v]) / sum m
 * loss = (1 - w) * CE + w * T^2 * KL
 * </pre>
 *
 * with q the student's softmax, p_T and q_T the teacher's and the student's softmax of logits / T, and m the
 * completion mask. The factor T^2 keeps the distillation gradient's scale independent of T, as that paper
 * recommends. With w = 0 the loss is the cross-entropy alone and no teacher logits are needed.
 *
 * <p>Dimensions: B batch, T padded length, V vocabulary. Logits are [B,T,V]; position t predicts token t+1, so
 * the first T-1 positions line up with the [B,T-1] completion mask of
 * {@link io.reasonflow.model.training.SequenceBatch}.
 *
 * <p>Every constant in the graph (1 - w, w T^2, 1/T) is a 0-d float32 array created once on a sub-manager and
 * copied into engine-owned memory. With the PyTorch engine, an operation that takes a Java number wraps it in a
 * short-lived tensor whose buffer the garbage collector may free before backward reads it, which makes the
 * gradients silently wrong. Intermediate arrays are closed when {@link #compute} returns; autograd keeps what
 * backward needs.
 */
public final class DistillLoss implements AutoCloseable {

    /**
     * The loss of one batch.
     *
     * @param loss         0-d float32, differentiable, attached to the student logits' manager
     * @param crossEntropy the cross-entropy term
     * @param kl           the KL term before weighting, 0 when the loss uses no teacher
     * @param tokens       completion tokens the loss covers, the sum of the mask
     */
    public record Result(NDArray loss, double crossEntropy, double kl, long tokens) {
    }

    private final double klWeight;
    private final NDManager constants;
    private final NDArray crossEntropyWeight;
    private final NDArray klScale;
    private final NDArray inverseTemperature;

    /**
     * @param manager     parent of the constants' sub-manager; it must outlive every backward pass through the loss
     * @param klWeight    w in [0, 1]
     * @param temperature T > 0 of the distillation term
     */
    public DistillLoss(NDManager manager, double klWeight, double temperature) {
        if (!(klWeight >= 0 && klWeight <= 1)) {
            throw new IllegalArgumentException("KL weight is " + klWeight + ", expected a value in [0, 1]");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("KL temperature is " + temperature + ", expected a finite value > 0");
        }
        this.klWeight = klWeight;
        this.constants = manager.newSubManager();
        this.crossEntropyWeight = constant(1.0 - klWeight);
        this.klScale = constant(klWeight * temperature * temperature);
        this.inverseTemperature = constant(1.0 / temperature);
    }

    /** Returns whether the loss has a distillation term and so needs teacher logits. */
    public boolean usesTeacher() {
        return klWeight > 0;
    }

    /**
     * Computes the loss of a batch.
     *
     * @param studentLogits  float32 [B,T,V], differentiable
     * @param teacherLogits  float32 [B,T,V] of the same tokens, or null when {@link #usesTeacher()} is false;
     *                       never differentiated
     * @param inputIds       int64 [B,T], the tokens whose next-token log-probs count
     * @param completionMask float32 [B,T-1], 1 where token t+1 is a completion token that counts
     * @throws IllegalArgumentException when the shapes disagree, teacher logits are missing or the mask is empty
     */
    public Result compute(NDArray studentLogits, NDArray teacherLogits, NDArray inputIds, NDArray completionMask) {
        checkShapes(studentLogits, teacherLogits, inputIds, completionMask);
        long time = inputIds.getShape().get(1);
        try (NDScope scope = new NDScope()) {
            NDIndex predicting = new NDIndex().addAllDim().addSliceDim(0, time - 1);
            NDArray student = studentLogits.get(predicting); // [B,T-1,V]
            NDArray targets = inputIds.get(new NDIndex().addAllDim().addSliceDim(1, time)); // [B,T-1]
            NDArray mask = completionMask.toType(DataType.FLOAT32, false); // [B,T-1]
            NDArray count = mask.sum(); // []
            float tokens = count.getFloat();
            if (tokens == 0) {
                throw new IllegalArgumentException("the completion mask of the batch is empty: no completion token "
                        + "to train on; every example needs at least one completion token");
            }

            NDArray logProbs = student.logSoftmax(-1); // [B,T-1,V]
            NDArray picked = logProbs.gather(targets.expandDims(-1), -1).squeeze(-1); // [B,T-1]
            NDArray crossEntropy = picked.mul(mask).sum().neg().div(count); // []
            NDArray loss = crossEntropy;
            NDArray kl = null;
            if (usesTeacher()) {
                kl = klTerm(student, teacherLogits.get(predicting), mask, count); // []
                loss = crossEntropy.mul(crossEntropyWeight).add(kl.mul(klScale)); // []
            }
            double crossEntropyValue = crossEntropy.getFloat();
            double klValue = kl == null ? 0.0 : kl.getFloat();
            NDScope.unregister(loss);
            return new Result(loss, crossEntropyValue, klValue, (long) tokens);
        }
    }

    /** Masked mean over positions of KL(p_T || q_T) = sum_v p_T (log p_T - log q_T): []. */
    private NDArray klTerm(NDArray student, NDArray teacher, NDArray mask, NDArray count) {
        NDArray studentLog = student.mul(inverseTemperature).logSoftmax(-1); // [B,T-1,V]
        NDArray teacherLog = teacher.stopGradient().mul(inverseTemperature).logSoftmax(-1); // [B,T-1,V]
        NDArray perPosition = teacherLog.exp().mul(teacherLog.sub(studentLog)).sum(new int[] {-1}); // [B,T-1]
        return perPosition.mul(mask).sum().div(count); // []
    }

    private void checkShapes(NDArray studentLogits, NDArray teacherLogits, NDArray inputIds, NDArray mask) {
        Shape logits = studentLogits.getShape();
        Shape ids = inputIds.getShape();
        if (logits.dimension() != 3 || ids.dimension() != 2 || logits.get(0) != ids.get(0)
                || logits.get(1) != ids.get(1) || ids.get(1) < 2) {
            throw new IllegalArgumentException("expected student logits [B,T,V] and input ids [B,T] with T >= 2, got "
                    + logits + " and " + ids);
        }
        if (!mask.getShape().equals(new Shape(ids.get(0), ids.get(1) - 1))) {
            throw new IllegalArgumentException("expected a completion mask of shape [B,T-1] = "
                    + new Shape(ids.get(0), ids.get(1) - 1) + ", got " + mask.getShape());
        }
        if (usesTeacher() && teacherLogits == null) {
            throw new IllegalArgumentException("the loss has KL weight " + klWeight + " but no teacher logits were "
                    + "given; pass them, or use KL weight 0");
        }
        if (teacherLogits != null && !teacherLogits.getShape().equals(logits)) {
            throw new IllegalArgumentException("teacher logits have shape " + teacherLogits.getShape()
                    + " but student logits " + logits + "; teacher and student must share the vocabulary");
        }
    }

    /** Creates a 0-d float32 constant whose memory the engine owns, not a Java buffer, outside any open scope. */
    private NDArray constant(double value) {
        try (NDArray buffered = constants.create((float) value)) {
            return OwnedArrays.keep(buffered.duplicate());
        }
    }

    /** Closes the constants; no backward pass through this loss may run afterwards. */
    @Override
    public void close() {
        constants.close();
    }
}
