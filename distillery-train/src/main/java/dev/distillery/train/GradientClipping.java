package dev.distillery.train;

import dev.distillery.nn.Parameter;

import java.util.List;

/**
 * Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_(params, maxNorm)}: the L2 norm of all
 * gradients together is computed, and every gradient is scaled by
 * {@code min(1, maxNorm / (norm + 1e-6))}, the scale rounded to float as PyTorch's float32 tensor
 * arithmetic does. Example: gradients (3, 4) with maxNorm 1 become (0.6, 0.8) up to the 1e-6.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** Clips in place and returns the total norm before clipping (PyTorch's return value). */
    public static float clipGlobalNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("max gradient norm must be positive, got " + maxNorm);
        }
        float total = globalNorm(params);
        // max_norm / (total_norm + 1e-6) is float32 tensor arithmetic in PyTorch
        float coef = Math.min(1f, (float) maxNorm / (total + 1e-6f));
        for (Parameter p : params) {
            if (p.hasGrad()) {
                float[] g = p.grad().data();
                for (int i = 0; i < g.length; i++) {
                    g[i] *= coef;
                }
            }
        }
        return total;
    }

    /**
     * L2 norm of all gradients, as PyTorch's norm of the per-tensor float32 norms. Each is summed in
     * double here, so it can differ from PyTorch's float32 reduction in the last bit.
     */
    public static float globalNorm(List<Parameter> params) {
        double sumOfSquares = 0;
        for (Parameter p : params) {
            if (p.hasGrad()) {
                double s = 0;
                for (float x : p.grad().data()) {
                    s += (double) x * x;
                }
                float norm = (float) Math.sqrt(s);
                sumOfSquares += (double) norm * norm;
            }
        }
        return (float) Math.sqrt(sumOfSquares);
    }
}
