package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.Parallel;
import dev.distillery.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A projection {@code y = x · Wᵀ + b} (PyTorch's {@code nn.Linear}, weight [out, in]), the one
 * type every block uses for its matrices. W is a frozen {@link LinearWeight} in any format (packed
 * FP32, INT8, Q8_0, Q4_0, NF4), or a trainable part: today a full FP32 master; a low-rank adapter
 * on a frozen base would be a third form, adding its own product and gradients beside them.
 *
 * <p>One projection may stack several Hugging Face tensors along {@code out} ("parts"): Q, K and
 * V run as one [3·inner, hidden] product, so do Llama's gate and up projections. Each part keeps
 * its own name, master and bias; a frozen projection holds one fused weight for all parts.
 *
 * <p>A trainable projection multiplies its masters as they are at each call, so anything writing
 * them (an optimizer, a finite-difference check) is seen at once; {@link #freeze()} packs a copy
 * for serving. Forward calls keep no state; backward calls add into the masters' gradients.
 * Example: a trainable {@code Linear.random(List.of("fc"), 2, new int[] {1}, true, rng)} with W
 * = [[1, 2]] and b = [0] maps x = [[3, 4]] to [[11]].
 */
public final class Linear {
    /** Element-wise passes smaller than this stay on the calling thread (a hand-off costs microseconds). */
    static final long PARALLEL_ELEMENTS = 1 << 14;

    private final String[] names; // Hugging Face name of each part, without .weight/.bias
    private final int[] outs;     // rows of each part
    private final int[] offsets;  // first output column of each part
    private final int in;
    private final int out;
    private final LinearWeight frozen;   // all parts stacked; null when trainable
    private final Parameter[] weights;   // FP32 masters [outs[i], in]; null when frozen
    private final Parameter[] biases;    // [outs[i]] each; null when the projection has no bias

    private Linear(String[] names, int[] outs, int in, LinearWeight frozen, Parameter[] weights, Parameter[] biases) {
        this.names = names;
        this.outs = outs;
        this.in = in;
        this.offsets = new int[outs.length];
        int total = 0;
        for (int i = 0; i < outs.length; i++) {
            offsets[i] = total;
            total += outs[i];
        }
        this.out = total;
        this.frozen = frozen;
        this.weights = weights;
        this.biases = biases;
        if (frozen != null && (frozen.in() != in || frozen.out() != out)) {
            throw new IllegalArgumentException(String.join(" + ", names) + " must be [" + out + "×" + in + "], got ["
                    + frozen.out() + "×" + frozen.in() + "]");
        }
    }

    /**
     * A trainable projection initialised as Hugging Face does: weights from N(0, std²), part after
     * part (so a seed draws the same numbers as separate layers would), biases zero.
     */
    public static Linear random(List<String> names, int in, int[] outs, boolean bias, float std, SplittableRandom rng) {
        check(names, outs);
        Parameter[] w = new Parameter[outs.length];
        Parameter[] b = bias ? new Parameter[outs.length] : null;
        for (int i = 0; i < outs.length; i++) {
            w[i] = new Parameter(names.get(i) + ".weight", Tensor.zeros(outs[i], in));
            Init.normal(w[i].data(), std, rng);
            if (bias) {
                b[i] = new Parameter(names.get(i) + ".bias", Tensor.zeros(outs[i]));
            }
        }
        return new Linear(names.toArray(String[]::new), outs.clone(), in, null, w, b);
    }

    /**
     * A trainable projection without bias whose master is an existing parameter [out, in], such
     * as an output layer tied to the token embedding: both uses add into the one gradient.
     */
    public static Linear sharing(Parameter weight) {
        int[] shape = weight.value().shape();
        String name = weight.name().substring(0, weight.name().length() - ".weight".length());
        return new Linear(new String[] {name}, new int[] {shape[0]}, shape[1], null, new Parameter[] {weight}, null);
    }

    /** A one-part trainable projection with a bias and BERT's initialisation. */
    public static Linear random(String name, int in, int out, SplittableRandom rng) {
        return random(List.of(name), in, new int[] {out}, true, Init.BERT_STD, rng);
    }

    /**
     * A frozen projection over {@code weight} (all parts stacked along out) and per-part biases
     * ({@code null} for none), used as given.
     */
    public static Linear frozen(List<String> names, int[] outs, LinearWeight weight, float[][] biases) {
        check(names, outs);
        Parameter[] b = null;
        if (biases != null) {
            b = new Parameter[outs.length];
            for (int i = 0; i < outs.length; i++) {
                if (biases[i].length != outs[i]) {
                    throw new IllegalArgumentException(names.get(i) + ".bias must have " + outs[i] + " entries, got "
                            + biases[i].length);
                }
                b[i] = new Parameter(names.get(i) + ".bias", Tensor.of(biases[i], outs[i]));
            }
        }
        return new Linear(names.toArray(String[]::new), outs.clone(), weight.in(), weight, null, b);
    }

    private static void check(List<String> names, int[] outs) {
        if (names.isEmpty() || names.size() != outs.length) {
            throw new IllegalArgumentException(names.size() + " names for " + outs.length + " parts of a projection");
        }
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public boolean trainable() {
        return weights != null;
    }

    public boolean hasBias() {
        return biases != null;
    }

    /** Hugging Face names of the parts, without {@code .weight} or {@code .bias}. */
    public List<String> names() {
        return List.of(names);
    }

    /** Rows of each part. */
    public int[] outs() {
        return outs.clone();
    }

    /** The trainable tensors in Hugging Face order (each part's weight, then its bias); empty when frozen. */
    public List<Parameter> parameters() {
        if (weights == null) {
            return List.of();
        }
        List<Parameter> all = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            all.add(weights[i]);
            if (biases != null) {
                all.add(biases[i]);
            }
        }
        return all;
    }

    /** The master of part {@code i} [outs[i], in]; only for trainable projections. */
    public Parameter weight(int i) {
        requireTrainable();
        return weights[i];
    }

    /** The bias of part {@code i}, or null without biases. */
    public Parameter bias(int i) {
        return biases == null ? null : biases[i];
    }

    /** {@code F.linear(x, W, b)} for x [rows, in] into a new [rows, out]. */
    public float[] forward(float[] x, int rows) {
        float[] y = new float[rows * out];
        forward(x, 0, in, y, rows, null);
        return y;
    }

    /** {@link #backward(float[], int, int, float[], int, float[])} for x [rows, in] laid out densely. */
    public float[] backward(float[] x, float[] dy, int rows, float[] dxInto) {
        return backward(x, 0, in, dy, rows, dxInto);
    }

    /**
     * y[rows, out] = residual + b + x · Wᵀ, x rows at {@code xOff + r·ldx}; {@code residual} (same
     * layout as y) may be null. Rows of the bias and residual are written first and the product
     * added onto them, so no pass over y follows the product.
     */
    public void forward(float[] x, int xOff, int ldx, float[] y, int rows, float[] residual) {
        if ((long) rows * out < PARALLEL_ELEMENTS) {
            prefill(y, residual, 0, rows);
        } else {
            Parallel.forRange(rows, (from, to) -> prefill(y, residual, from, to));
        }
        multiplyAdd(x, xOff, ldx, y, rows);
    }

    /** Rows from..to of y [rows, out] = residual (when non-null) + bias (when present, else 0). */
    public void prefill(float[] y, float[] residual, int from, int to) {
        for (int r = from; r < to; r++) {
            int row = r * out;
            if (residual != null) {
                System.arraycopy(residual, row, y, row, out);
            } else {
                Arrays.fill(y, row, row + out, 0f);
            }
            if (biases != null) {
                for (int p = 0; p < biases.length; p++) {
                    float[] b = biases[p].data();
                    int at = row + offsets[p];
                    for (int j = 0; j < b.length; j++) {
                        y[at + j] += b[j];
                    }
                }
            }
        }
    }

    /** y[rows, out] += x · Wᵀ: the frozen weight's product, or each master's into its columns. */
    public void multiplyAdd(float[] x, int xOff, int ldx, float[] y, int rows) {
        if (frozen != null) {
            frozen.multiplyAdd(x, xOff, ldx, y, 0, out, rows);
            return;
        }
        Kernels k = KernelProvider.get();
        for (int p = 0; p < weights.length; p++) {
            k.matmulTransB(x, xOff, ldx, weights[p].data(), 0, in, y, offsets[p], out, rows, outs[p], in, true);
        }
    }

    /**
     * Adds dW += dyᵀ·x and db += Σ_rows dy into every part's gradients and returns dx = dy·W
     * [rows, in], added into {@code dxInto} when that is non-null (how residual branches merge).
     */
    public float[] backward(float[] x, int xOff, int ldx, float[] dy, int rows, float[] dxInto) {
        requireTrainable();
        Kernels k = KernelProvider.get();
        float[] dx = dxInto != null ? dxInto : new float[rows * in];
        for (int p = 0; p < weights.length; p++) {
            k.matmulTransA(dy, offsets[p], out, x, xOff, ldx, weights[p].grad().data(), 0, in, outs[p], in, rows, true);
            if (biases != null) {
                float[] db = biases[p].grad().data();
                for (int r = 0; r < rows; r++) {
                    k.axpy(1f, dy, r * out + offsets[p], db, 0, outs[p]);
                }
            }
            k.matmul(dy, offsets[p], out, weights[p].data(), 0, in, dx, 0, in, rows, in, outs[p],
                    dxInto != null || p > 0);
        }
        return dx;
    }

    /**
     * A frozen copy for serving: the masters concatenated and packed once as one FP32 weight, the
     * biases copied; later training is not seen by it. A frozen projection is returned as is.
     */
    public Linear freeze() {
        if (frozen != null) {
            return this;
        }
        float[] all = new float[out * in]; // [out, in], parts stacked
        float[][] b = biases == null ? null : new float[outs.length][];
        for (int p = 0; p < weights.length; p++) {
            System.arraycopy(weights[p].data(), 0, all, offsets[p] * in, outs[p] * in);
            if (b != null) {
                b[p] = biases[p].data().clone();
            }
        }
        return frozen(List.of(names), outs, LinearWeight.fp32(all, out, in), b);
    }

    /** Bytes of weights held: the matrix as its format keeps it, plus FP32 biases. */
    public long bytes() {
        long matrix = frozen != null ? frozen.bytes() : 4L * out * in;
        return matrix + (biases == null ? 0 : 4L * out);
    }

    /** Weights and biases, counted one each whatever their format. */
    public long parameterCount() {
        return (long) out * in + (biases == null ? 0 : out);
    }

    private void requireTrainable() {
        if (weights == null) {
            throw new UnsupportedOperationException(String.join(" + ", names) + " is frozen (" + frozen
                    + "): it has no trainable part to take gradients");
        }
    }

    @Override
    public String toString() {
        return String.join("+", names) + "[" + out + "×" + in + (frozen != null ? ", " + frozen : ", trainable") + "]";
    }
}
