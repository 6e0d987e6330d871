package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code torch.nn.Linear}: y = x · Wᵀ + b with the PyTorch weight layout [out, in], applied to all
 * rows of a batch in one matrix product.
 */
public final class Linear {
    private final Parameter weight; // [out, in]
    private final Parameter bias;   // [out]
    private final int in;
    private final int out;

    public Linear(String name, int in, int out, SplittableRandom rng) {
        this.in = in;
        this.out = out;
        this.weight = new Parameter(name + ".weight", Tensor.zeros(out, in));
        this.bias = new Parameter(name + ".bias", Tensor.zeros(out));
        Init.normal(weight.data(), Init.BERT_STD, rng);
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /** {@code F.linear(x, W, b)} for x [rows, in]; returns [rows, out]. */
    public float[] forward(float[] x, int rows) {
        float[] y = new float[rows * out];
        Kernels k = KernelProvider.get();
        k.matmulTransB(x, 0, in, weight.data(), 0, in, y, 0, out, rows, out, in, false);
        k.addBiasRows(y, 0, bias.data(), 0, rows, out);
        return y;
    }

    /**
     * Adds dW += dyᵀ·x and db += Σ_rows dy, and returns dx = dy·W [rows, in] (or adds it into
     * {@code dxInto} when that is non-null, which is how residual branches merge).
     */
    public float[] backward(float[] x, float[] dy, int rows, float[] dxInto) {
        Kernels k = KernelProvider.get();
        k.matmulTransA(dy, 0, out, x, 0, in, weight.grad().data(), 0, in, out, in, rows, true);
        float[] db = bias.grad().data();
        for (int r = 0; r < rows; r++) {
            k.axpy(1f, dy, r * out, db, 0, out);
        }
        float[] dx = dxInto != null ? dxInto : new float[rows * in];
        k.matmul(dy, 0, out, weight.data(), 0, in, dx, 0, in, rows, in, out, dxInto != null);
        return dx;
    }
}
