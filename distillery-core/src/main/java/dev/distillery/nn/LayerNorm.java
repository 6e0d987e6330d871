package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.tensor.Tensor;

import java.util.List;

/** {@code torch.nn.LayerNorm} over the last dimension, weight 1 and bias 0 at start. */
public final class LayerNorm {
    private final Parameter weight; // [dim]
    private final Parameter bias;   // [dim]
    private final int dim;
    private final float eps;

    /** The output {@code y} and what backward needs: the input and per-row statistics. */
    public record Trace(float[] x, float[] y, float[] mean, float[] rstd, int rows) {
    }

    public LayerNorm(String name, int dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = new Parameter(name + ".weight", Tensor.zeros(dim));
        this.bias = new Parameter(name + ".bias", Tensor.zeros(dim));
        java.util.Arrays.fill(weight.data(), 1f);
    }

    float eps() {
        return eps;
    }

    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /** {@code F.layer_norm(x, (dim,), weight, bias, eps)} for x [rows, dim]. */
    public float[] forward(float[] x, int rows) {
        float[] y = new float[rows * dim];
        KernelProvider.get().layerNormRows(x, 0, weight.data(), bias.data(), y, 0, null, null, rows, dim, eps);
        return y;
    }

    /** As {@link #forward}, keeping the statistics backward needs. */
    public Trace forwardTrain(float[] x, int rows) {
        float[] y = new float[rows * dim];
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        KernelProvider.get().layerNormRows(x, 0, weight.data(), bias.data(), y, 0, mean, rstd, rows, dim, eps);
        return new Trace(x, y, mean, rstd, rows);
    }

    /** Accumulates dWeight and dBias and returns dx [rows, dim]. */
    public float[] backward(Trace t, float[] dy) {
        float[] dx = new float[t.rows() * dim];
        KernelProvider.get().layerNormRowsBackward(t.x(), 0, weight.data(), t.mean(), t.rstd(), dy, 0, dx, 0,
                weight.grad().data(), bias.grad().data(), t.rows(), dim);
        return dx;
    }
}
