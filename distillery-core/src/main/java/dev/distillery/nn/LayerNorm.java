package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.tensor.Tensor;

import java.util.List;

/**
 * {@code torch.nn.LayerNorm} over the last dimension: trainable (weight 1 and bias 0 at start) or
 * frozen over given vectors, which then are not {@link #parameters()}.
 */
public final class LayerNorm {
    private final Parameter weight; // [dim]
    private final Parameter bias;   // [dim]
    private final int dim;
    private final float eps;
    private final boolean trainable;

    /** The output {@code y} and what backward needs: the input and per-row statistics. */
    public record Trace(float[] x, float[] y, float[] mean, float[] rstd, int rows) {
    }

    public LayerNorm(String name, int dim, float eps) {
        this(new Parameter(name + ".weight", Tensor.zeros(dim)), new Parameter(name + ".bias", Tensor.zeros(dim)), eps,
                true);
        java.util.Arrays.fill(weight.data(), 1f);
    }

    private LayerNorm(Parameter weight, Parameter bias, float eps, boolean trainable) {
        this.weight = weight;
        this.bias = bias;
        this.dim = weight.data().length;
        this.eps = eps;
        this.trainable = trainable;
        if (bias.data().length != dim) {
            throw new IllegalArgumentException(weight.name() + " has " + dim + " entries but its bias "
                    + bias.data().length);
        }
    }

    /** A frozen LayerNorm over {@code gamma} and {@code beta}, used as given. */
    public static LayerNorm frozen(String name, float[] gamma, float[] beta, float eps) {
        return new LayerNorm(new Parameter(name + ".weight", Tensor.of(gamma, gamma.length)),
                new Parameter(name + ".bias", Tensor.of(beta, beta.length)), eps, false);
    }

    public float eps() {
        return eps;
    }

    public int dim() {
        return dim;
    }

    /** The trainable weight and bias; empty when frozen. */
    public List<Parameter> parameters() {
        return trainable ? List.of(weight, bias) : List.of();
    }

    /** A frozen norm with this weight and another bias (an adapter trained with PEFT's {@code bias="all"}). */
    public LayerNorm withBias(float[] beta) {
        return frozen(weight.name().substring(0, weight.name().length() - ".weight".length()), weight.data(), beta, eps);
    }

    /** A frozen copy of the current weight and bias. */
    public LayerNorm freeze() {
        return frozen(weight.name().substring(0, weight.name().length() - ".weight".length()), weight.data().clone(),
                bias.data().clone(), eps);
    }

    /**
     * {@code F.layer_norm} of {@code rows} rows of x at {@code xOff} into y at {@code yOff} (y may
     * be x); {@code mean} and {@code rstd} (indexed from 0 for the first row, may be null) keep
     * what backward needs. Runs on the calling thread.
     */
    public void forward(float[] x, int xOff, float[] y, int yOff, int rows, float[] mean, float[] rstd) {
        KernelProvider.get().layerNormRows(x, xOff, weight.data(), bias.data(), y, yOff, mean, rstd, rows, dim, eps);
    }

    /**
     * y = LayerNorm(x + residual) for {@code rows} rows, the sum formed inside the norm's first
     * pass ({@link Kernels#addLayerNormRows}); y may be x or residual. Inference only: no
     * statistics are kept. Runs on the calling thread.
     */
    public void forwardResidual(float[] x, int xOff, float[] residual, int residualOff, float[] y, int yOff, int rows) {
        KernelProvider.get().addLayerNormRows(x, xOff, residual, residualOff, weight.data(), bias.data(), y, yOff, rows,
                dim, eps);
    }

    /** {@code F.layer_norm(x, (dim,), weight, bias, eps)} for x [rows, dim] into a new array. */
    public float[] forward(float[] x, int rows) {
        float[] y = new float[rows * dim];
        forward(x, 0, y, 0, rows, null, null);
        return y;
    }

    /** As {@link #forward(float[], int)}, keeping the statistics backward needs. */
    public Trace forwardTrain(float[] x, int rows) {
        float[] y = new float[rows * dim];
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        forward(x, 0, y, 0, rows, mean, rstd);
        return new Trace(x, y, mean, rstd, rows);
    }

    /** Accumulates dWeight and dBias and returns dx [rows, dim]. */
    public float[] backward(Trace t, float[] dy) {
        return backward(t.x(), t.mean(), t.rstd(), dy, t.rows());
    }

    /**
     * Accumulates dWeight and dBias (when trainable; a frozen norm only passes the gradient on) for
     * the rows of x with their statistics and returns dx [rows, dim].
     */
    public float[] backward(float[] x, float[] mean, float[] rstd, float[] dy, int rows) {
        float[] dx = new float[rows * dim];
        KernelProvider.get().layerNormRowsBackward(x, 0, weight.data(), mean, rstd, dy, 0, dx, 0,
                trainable ? weight.grad().data() : new float[dim], trainable ? bias.grad().data() : new float[dim],
                rows, dim);
        return dx;
    }

    /** Bytes of the two vectors. */
    public long bytes() {
        return 8L * dim;
    }
}
