package io.reasonflow.model.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Controls PyTorch's autograd mode, which is a per-thread setting.
 *
 * <p>DJL turns autograd off only on the thread that loads the engine, and a {@code GradientCollector} turns it on
 * for its own thread. Any other thread starts with autograd on, so inference there would record a graph and an
 * in-place parameter update would fail. Sampling and optimizer steps therefore run inside {@link #disabled()}.
 */
public final class GradMode {
    private GradMode() {
    }

    /** A scope that restores the previous autograd mode of this thread when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Turns autograd off on the current thread until the returned scope is closed. */
    public static Scope disabled() {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(previous);
    }

    /** Returns whether autograd records operations on the current thread. */
    public static boolean isEnabled() {
        return JniUtils.isGradMode();
    }

    /** Sets the accumulated gradient of {@code parameter} to zero; does nothing when it has none yet. */
    public static void zeroGradient(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }
}
