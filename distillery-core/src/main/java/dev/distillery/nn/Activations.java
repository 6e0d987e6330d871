package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;

/** Element-wise activations of BERT-family models and their gradients. */
public final class Activations {
    private Activations() {
    }

    /** {@code F.gelu(x)} (exact, erf form) into a new array. */
    public static float[] gelu(float[] x) {
        float[] y = new float[x.length];
        KernelProvider.get().gelu(x, 0, y, 0, x.length);
        return y;
    }

    /** dx = dy · GELU'(x). */
    public static float[] geluBackward(float[] x, float[] dy) {
        float[] dx = new float[x.length];
        KernelProvider.get().geluBackward(x, 0, dy, 0, dx, 0, x.length, false);
        return dx;
    }

    /** {@code torch.relu(x)} into a new array. */
    public static float[] relu(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.max(x[i], 0f);
        }
        return y;
    }

    /** dx = dy where x > 0, else 0 (PyTorch's choice at exactly 0). */
    public static float[] reluBackward(float[] x, float[] dy) {
        float[] dx = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            dx[i] = x[i] > 0f ? dy[i] : 0f;
        }
        return dx;
    }

    /** {@code torch.tanh(x)} into a new array. */
    public static float[] tanh(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) StrictMath.tanh(x[i]);
        }
        return y;
    }

    /** dx = dy · (1 − y²), from the tanh output y. */
    public static float[] tanhBackward(float[] y, float[] dy) {
        float[] dx = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            dx[i] = dy[i] * (1f - y[i] * y[i]);
        }
        return dx;
    }
}
