package dev.distillery.nn;

import dev.distillery.kernel.Epilogue;
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
 * type every block uses for its matrices, in one of three forms:
 * <ul>
 *   <li>frozen: W is a {@link LinearWeight} in any format (packed FP32, INT8, Q8_0, Q4_0, NF4);
 *   backward gives dx = dy·W from that weight as held and trains nothing;</li>
 *   <li>trainable: W is a full FP32 master per part;</li>
 *   <li>LoRA: a frozen W plus a {@link LoraAdapter} on some parts ({@link #withAdapters}),
 *   {@code y = x·Wᵀ + b + (α/r)·(dropout(x)·Aᵀ)·Bᵀ}; only A and B train (and, when asked, the
 *   biases), while dx flows through the frozen W without an FP32 copy of it (QLoRA when W is 4-bit).</li>
 * </ul>
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
    private final LoraAdapter[] adapters; // per part, null entries for parts without; null for none
    private final boolean[] biasTrainable; // per part, for a frozen projection whose biases train; null for none
    private final float[] stackedBias;   // the parts' biases end to end, for the product's epilogue; frozen only

    private Linear(String[] names, int[] outs, int in, LinearWeight frozen, Parameter[] weights, Parameter[] biases) {
        this(names, outs, in, frozen, weights, biases, null, null);
    }

    private Linear(String[] names, int[] outs, int in, LinearWeight frozen, Parameter[] weights, Parameter[] biases,
                   LoraAdapter[] adapters, boolean[] biasTrainable) {
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
        this.adapters = adapters;
        this.biasTrainable = biases == null ? null : biasTrainable;
        this.stackedBias = frozen != null && biases != null ? stack(biases, total) : null;
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

    /**
     * This frozen projection with a LoRA adapter on each part whose entry of {@code perPart} is
     * non-null (each [outs[i], in]), sharing the frozen weight; the bias of part i trains too when
     * {@code trainBias[i]} (PEFT's {@code bias="lora_only"}); {@code trainBias} may be null for none.
     *
     * @throws IllegalArgumentException when this projection is not frozen, or an adapter's shape does not fit its part
     */
    public Linear withAdapters(List<LoraAdapter> perPart, boolean[] trainBias) {
        if (frozen == null) {
            throw new IllegalArgumentException(this + " has a trainable FP32 master; LoRA adapts a frozen weight");
        }
        if (perPart.size() != outs.length) {
            throw new IllegalArgumentException(perPart.size() + " adapters for the " + outs.length + " parts of " + this);
        }
        LoraAdapter[] a = new LoraAdapter[outs.length];
        boolean any = false;
        for (int p = 0; p < outs.length; p++) {
            a[p] = perPart.get(p);
            if (a[p] != null && (a[p].in() != in || a[p].out() != outs[p])) {
                throw new IllegalArgumentException("a LoRA adapter [" + a[p].out() + "×" + a[p].in() + "] does not fit "
                        + names[p] + " [" + outs[p] + "×" + in + "]");
            }
            any |= a[p] != null;
        }
        boolean[] train = trainBias == null ? null : trainBias.clone();
        if (train != null && train.length != outs.length) {
            throw new IllegalArgumentException(train.length + " bias flags for the " + outs.length + " parts of " + this);
        }
        return new Linear(names, outs, in, frozen, null, biases, any ? a : null, train);
    }

    private static float[] stack(Parameter[] biases, int total) {
        float[] all = new float[total];
        int at = 0;
        for (Parameter b : biases) {
            System.arraycopy(b.data(), 0, all, at, b.data().length);
            at += b.data().length;
        }
        return all;
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

    /** True when anything trains: FP32 masters, an adapter, or the biases. */
    public boolean trainable() {
        return !parameters().isEmpty();
    }

    /** The frozen weight (all parts stacked), or null for a trainable master. */
    public LinearWeight frozenWeight() {
        return frozen;
    }

    /** The adapter of part {@code i}, or null when the part has none. */
    public LoraAdapter adapter(int i) {
        return adapters == null ? null : adapters[i];
    }

    /** True when some part has a LoRA adapter. */
    public boolean adapted() {
        return adapters != null;
    }

    /** True when a training pass draws dropout masks here (an adapter with dropout), so it needs a {@link DropoutSeed}. */
    public boolean drawsDropout() {
        if (adapters != null) {
            for (LoraAdapter a : adapters) {
                if (a != null && a.dropout() > 0f && a.trainable()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * True when the product is a frozen weight alone (no master, no adapter, no trained bias beside
     * it): what {@link #forwardFrozen} computes in full.
     */
    public boolean frozenOnly() {
        return frozen != null && adapters == null && biasTrainable == null;
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

    /**
     * The trainable tensors in Hugging Face order: each part's weight then its bias; for the LoRA
     * form each part's A and B, then its bias when biases train; empty when frozen.
     */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (int i = 0; i < outs.length; i++) {
            if (weights != null) {
                all.add(weights[i]);
            }
            if (adapters != null && adapters[i] != null) {
                all.addAll(adapters[i].parameters());
            }
            if (biases != null && (weights != null || biasTrainable != null && biasTrainable[i])) {
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
        forward(x, xOff, ldx, y, rows, residual, null);
    }

    /**
     * As {@link #forward(float[], int, int, float[], int, float[])}; in training, {@code seed}
     * draws the adapters' dropout masks (null: evaluation, no dropout). Pass the same seed to backward.
     */
    public void forward(float[] x, int xOff, int ldx, float[] y, int rows, float[] residual, DropoutSeed seed) {
        if ((long) rows * out < PARALLEL_ELEMENTS) {
            prefill(y, residual, 0, rows);
        } else {
            Parallel.forRange(rows, (from, to) -> prefill(y, residual, from, to));
        }
        multiplyAdd(x, xOff, ldx, y, rows, seed);
    }

    /**
     * y[rows, out] = activation(x · Wᵀ + b) for a frozen projection: the bias and the activation
     * are the product's epilogue, applied to each tile while it is in cache, so no pass over y
     * precedes or follows the product (inference only: nothing is kept for backward).
     */
    public void forwardFrozen(float[] x, int xOff, int ldx, float[] y, int rows, Epilogue.Activation activation) {
        if (!frozenOnly()) {
            throw new IllegalStateException(String.join(" + ", names) + " has trainable parts or adapters; its forward "
                    + "is forward()");
        }
        frozen.multiply(x, xOff, ldx, y, 0, out, rows, false, Epilogue.of(stackedBias, activation));
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

    /** {@link #multiplyAdd(float[], int, int, float[], int, DropoutSeed)} in evaluation mode. */
    public void multiplyAdd(float[] x, int xOff, int ldx, float[] y, int rows) {
        multiplyAdd(x, xOff, ldx, y, rows, null);
    }

    /**
     * y[rows, out] += x · Wᵀ: the frozen weight's product, or each master's into its columns; then
     * each adapter's product into its part's columns, with dropout drawn from {@code seed} (null: none).
     */
    public void multiplyAdd(float[] x, int xOff, int ldx, float[] y, int rows, DropoutSeed seed) {
        if (frozen != null) {
            frozen.multiplyAdd(x, xOff, ldx, y, 0, out, rows);
            if (adapters != null) {
                for (int p = 0; p < adapters.length; p++) {
                    if (adapters[p] != null) {
                        adapters[p].forward(x, xOff, ldx, y, offsets[p], out, rows, seed == null ? null : seed.at(p));
                    }
                }
            }
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
        return backward(x, xOff, ldx, dy, rows, dxInto, null);
    }

    /**
     * As {@link #backward(float[], int, int, float[], int, float[])} for a forward call made with
     * {@code seed}. A frozen weight gives dx = dy·W from its own format
     * ({@link LinearWeight#multiplyTransposedAdd}) and no gradient; adapters add dA, dB and their
     * share of dx; trainable biases add db.
     */
    public float[] backward(float[] x, int xOff, int ldx, float[] dy, int rows, float[] dxInto, DropoutSeed seed) {
        Kernels k = KernelProvider.get();
        float[] dx = dxInto != null ? dxInto : new float[rows * in];
        if (frozen != null) {
            frozen.multiplyTransposedAdd(dy, 0, out, dx, 0, in, rows);
            for (int p = 0; p < outs.length; p++) {
                if (biasTrainable != null && biasTrainable[p]) {
                    addBiasGradient(k, dy, p, rows);
                }
                if (adapters != null && adapters[p] != null) {
                    adapters[p].backward(x, xOff, ldx, dy, offsets[p], out, rows, seed == null ? null : seed.at(p), dx,
                            0, in);
                }
            }
            return dx;
        }
        for (int p = 0; p < weights.length; p++) {
            k.matmulTransA(dy, offsets[p], out, x, xOff, ldx, weights[p].grad().data(), 0, in, outs[p], in, rows, true);
            if (biases != null) {
                addBiasGradient(k, dy, p, rows);
            }
            k.matmul(dy, offsets[p], out, weights[p].data(), 0, in, dx, 0, in, rows, in, outs[p],
                    dxInto != null || p > 0);
        }
        return dx;
    }

    private void addBiasGradient(Kernels k, float[] dy, int p, int rows) {
        float[] db = biases[p].grad().data();
        for (int r = 0; r < rows; r++) {
            k.axpy(1f, dy, r * out + offsets[p], db, 0, outs[p]);
        }
    }

    /**
     * A frozen copy for serving: the masters concatenated and packed once as one FP32 weight, the
     * biases copied; later training is not seen by it. The LoRA form keeps its frozen weight and
     * takes frozen copies of its adapters and biases (the adapters stay a separate product: see
     * {@code lora.LoraMerge} to fold them into W). A frozen projection is returned as is.
     */
    public Linear freeze() {
        if (frozen != null && !trainable()) {
            return this;
        }
        if (frozen != null) {
            LoraAdapter[] a = null;
            if (adapters != null) {
                a = new LoraAdapter[adapters.length];
                for (int p = 0; p < a.length; p++) {
                    a[p] = adapters[p] == null ? null : adapters[p].freeze();
                }
            }
            Parameter[] b = null;
            if (biases != null) {
                b = new Parameter[biases.length];
                for (int p = 0; p < b.length; p++) {
                    b[p] = new Parameter(biases[p].name(), biases[p].value().copy());
                }
            }
            return new Linear(names, outs, in, frozen, null, b, a, null);
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

    /** Bytes of weights held: the matrix as its format keeps it, plus FP32 biases and adapters. */
    public long bytes() {
        long matrix = frozen != null ? frozen.bytes() : 4L * out * in;
        return matrix + (biases == null ? 0 : 4L * out) + 4L * adapterParameterCount();
    }

    /** Weights, biases and adapter weights, counted one each whatever their format. */
    public long parameterCount() {
        return (long) out * in + (biases == null ? 0 : out) + adapterParameterCount();
    }

    private long adapterParameterCount() {
        long n = 0;
        if (adapters != null) {
            for (LoraAdapter a : adapters) {
                n += a == null ? 0 : a.parameterCount();
            }
        }
        return n;
    }

    private void requireTrainable() {
        if (weights == null) {
            throw new UnsupportedOperationException(String.join(" + ", names) + " is frozen (" + frozen
                    + "): it has no trainable part to take gradients");
        }
    }

    @Override
    public String toString() {
        StringBuilder lora = new StringBuilder();
        if (adapters != null) {
            for (int p = 0; p < adapters.length; p++) {
                if (adapters[p] != null) {
                    lora.append(", ").append(names[p].substring(names[p].lastIndexOf('.') + 1)).append(' ')
                            .append(adapters[p]);
                }
            }
        }
        return String.join("+", names) + "[" + out + "×" + in + (frozen != null ? ", " + frozen : ", trainable") + lora
                + "]";
    }
}
