package dev.distillery.nn;

import dev.distillery.tensor.Tensor;

import java.util.List;

/**
 * Root-mean-square layer normalisation (Zhang and Sennrich, "Root Mean Square Layer
 * Normalization", 2019) as Hugging Face's {@code LlamaRMSNorm}:
 * <pre>
 *   y = weight · x · rsqrt(mean(x²) + eps)
 * </pre>
 * per row, the mean of squares accumulated in double. Trainable (weight 1 at start) or frozen
 * over a given vector, which then is not a {@link #parameters() parameter}.
 */
public final class RmsNorm {
    private final Parameter weight; // [dim]
    private final int dim;
    private final float eps;
    private final boolean trainable;

    public RmsNorm(String name, int dim, float eps) {
        this(new Parameter(name + ".weight", Tensor.zeros(dim)), eps, true);
        java.util.Arrays.fill(weight.data(), 1f);
    }

    private RmsNorm(Parameter weight, float eps, boolean trainable) {
        this.weight = weight;
        this.dim = weight.data().length;
        this.eps = eps;
        this.trainable = trainable;
    }

    /** A frozen norm over {@code gamma}, used as given. */
    public static RmsNorm frozen(String name, float[] gamma, float eps) {
        return new RmsNorm(new Parameter(name + ".weight", Tensor.of(gamma, gamma.length)), eps, false);
    }

    public int dim() {
        return dim;
    }

    public float eps() {
        return eps;
    }

    public Parameter weight() {
        return weight;
    }

    public List<Parameter> parameters() {
        return trainable ? List.of(weight) : List.of();
    }

    public RmsNorm freeze() {
        return trainable ? frozen(weight.name().substring(0, weight.name().length() - ".weight".length()),
                weight.data().clone(), eps) : this;
    }

    public long bytes() {
        return 4L * dim;
    }

    /**
     * Rows from..to of x into y (y may be x); {@code rstd} (indexed by row, may be null) keeps
     * 1/√(mean(x²) + eps) for backward.
     */
    public void forward(float[] x, float[] y, int from, int to, float[] rstd) {
        float[] w = weight.data();
        for (int r = from; r < to; r++) {
            int row = r * dim;
            double sum = 0;
            for (int j = 0; j < dim; j++) {
                sum += (double) x[row + j] * x[row + j];
            }
            float rs = (float) (1.0 / Math.sqrt(sum / dim + eps));
            for (int j = 0; j < dim; j++) {
                y[row + j] = w[j] * (x[row + j] * rs);
            }
            if (rstd != null) {
                rstd[r] = rs;
            }
        }
    }

    /**
     * Adds dWeight and returns dx for {@code rows} rows of x with their kept {@code rstd}:
     * dx = r·(g − x̂·mean(g ⊙ x̂)) with x̂ = x·r and g = dy ⊙ weight.
     */
    public float[] backward(float[] x, float[] rstd, float[] dy, int rows) {
        float[] w = weight.data();
        float[] dw = trainable ? weight.grad().data() : null;
        float[] dx = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            int row = r * dim;
            float rs = rstd[r];
            double dot = 0;
            for (int j = 0; j < dim; j++) {
                float xhat = x[row + j] * rs;
                float g = dy[row + j] * w[j];
                dot += (double) g * xhat;
                if (dw != null) {
                    dw[j] += dy[row + j] * xhat;
                }
            }
            float mean = (float) (dot / dim);
            for (int j = 0; j < dim; j++) {
                float xhat = x[row + j] * rs;
                dx[row + j] = rs * (dy[row + j] * w[j] - xhat * mean);
            }
        }
        return dx;
    }
}
