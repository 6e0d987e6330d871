package dev.distillery.nn;

import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.KernelProvider;
import dev.distillery.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A low-rank adapter on one frozen projection W [out, in] (Hu et al., "LoRA: Low-Rank Adaptation of
 * Large Language Models", 2021), as PEFT's {@code lora.Linear} computes it:
 * <pre>
 *   y = x·Wᵀ + b + (α / r) · (dropout(x) · Aᵀ) · Bᵀ        A [r, in], B [out, r]
 * </pre>
 * A starts Kaiming-uniform (PyTorch's {@code kaiming_uniform_(a=√5)}: U(−1/√in, 1/√in)) and B at
 * zero, so a fresh adapter leaves the model unchanged. Its tensors are named as PEFT names them
 * under the projection, {@code <projection>.lora_A.weight} and {@code .lora_B.weight}.
 *
 * <p>Trainable (A and B are {@link Parameter}s) or frozen (a serving snapshot, no parameters).
 * Dropout masks are drawn from a seed rather than kept, so backward (and a recomputed forward under
 * gradient checkpointing) draws the same mask again from the same seed.
 */
public final class LoraAdapter {
    private final Parameter a;     // [r, in]
    private final Parameter b;     // [out, r]
    private final int rank;
    private final int in;
    private final int out;
    private final float alpha;
    private final float scale;     // α / r
    private final float dropout;
    private final boolean trainable;

    private LoraAdapter(Parameter a, Parameter b, float alpha, float dropout, boolean trainable) {
        this.a = a;
        this.b = b;
        this.rank = a.value().dim(0);
        this.in = a.value().dim(1);
        this.out = b.value().dim(0);
        if (rank < 1 || b.value().dim(1) != rank) {
            throw new IllegalArgumentException("LoRA A " + java.util.Arrays.toString(a.value().shape()) + " and B "
                    + java.util.Arrays.toString(b.value().shape()) + " do not share a rank of at least 1");
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("LoRA dropout " + dropout + " is outside [0, 1)");
        }
        this.alpha = alpha;
        this.scale = alpha / rank;
        this.dropout = dropout;
        this.trainable = trainable;
    }

    /**
     * A fresh trainable adapter for the projection {@code name} [out, in]: A drawn from {@code rng}
     * as PEFT initialises it, B zero.
     */
    public static LoraAdapter create(String name, int in, int out, int rank, float alpha, float dropout,
                                     SplittableRandom rng) {
        if (rank < 1) {
            throw new IllegalArgumentException("the LoRA rank must be at least 1, got " + rank);
        }
        Parameter a = new Parameter(name + ".lora_A.weight", Tensor.zeros(rank, in));
        double bound = 1.0 / Math.sqrt(in); // gain √(2 / (1 + 5)) · √(3 / in)
        float[] av = a.data();
        for (int i = 0; i < av.length; i++) {
            av[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        return new LoraAdapter(a, new Parameter(name + ".lora_B.weight", Tensor.zeros(out, rank)), alpha, dropout,
                true);
    }

    /** An adapter over given matrices A [r, in] and B [out, r] (copied), trainable or frozen. */
    public static LoraAdapter of(String name, Tensor a, Tensor b, float alpha, float dropout, boolean trainable) {
        return new LoraAdapter(new Parameter(name + ".lora_A.weight", a.copy()),
                new Parameter(name + ".lora_B.weight", b.copy()), alpha, dropout, trainable);
    }

    public int rank() {
        return rank;
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public float alpha() {
        return alpha;
    }

    /** α / r, the factor on the adapter's product. */
    public float scale() {
        return scale;
    }

    public float dropout() {
        return dropout;
    }

    public boolean trainable() {
        return trainable;
    }

    /** A [r, in], whatever the state (for saving and merging). */
    public Parameter a() {
        return a;
    }

    /** B [out, r]. */
    public Parameter b() {
        return b;
    }

    /** A then B when trainable; empty when frozen. */
    public List<Parameter> parameters() {
        return trainable ? List.of(a, b) : List.of();
    }

    /** A frozen copy of the current matrices. */
    public LoraAdapter freeze() {
        return new LoraAdapter(new Parameter(a.name(), a.value().copy()), new Parameter(b.name(), b.value().copy()),
                alpha, dropout, false);
    }

    /** Weights held: r·(in + out). */
    public long parameterCount() {
        return (long) rank * (in + out);
    }

    /** The dropout mask [rows, in] of a training call seeded by {@code seed}, or null when there is none. */
    private float[] mask(DropoutSeed seed, int rows) {
        if (seed == null || dropout == 0f) {
            return null;
        }
        return Dropout.mask(rows * in, dropout, new SplittableRandom(seed.value()));
    }

    /** x (rows at xOff, stride ldx) times the mask as a dense [rows, in], or null without a mask. */
    private float[] dropped(float[] x, int xOff, int ldx, int rows, float[] mask) {
        if (mask == null) {
            return null;
        }
        float[] xd = new float[rows * in];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < in; i++) {
                xd[r * in + i] = x[xOff + r * ldx + i] * mask[r * in + i];
            }
        }
        return xd;
    }

    /**
     * y[rows, out] (columns yCol.. of rows ldy apart) += (α/r) · (dropout(x) · Aᵀ) · Bᵀ; dropout
     * only when {@code seed} is non-null (training).
     */
    public void forward(float[] x, int xOff, int ldx, float[] y, int yCol, int ldy, int rows, DropoutSeed seed) {
        Kernels k = KernelProvider.get();
        float[] xd = dropped(x, xOff, ldx, rows, mask(seed, rows));
        float[] u = new float[rows * rank]; // (α/r) · dropout(x)·Aᵀ
        if (xd != null) {
            k.matmulTransB(xd, 0, in, a.data(), 0, in, u, 0, rank, rows, rank, in, false);
        } else {
            k.matmulTransB(x, xOff, ldx, a.data(), 0, in, u, 0, rank, rows, rank, in, false);
        }
        for (int i = 0; i < u.length; i++) {
            u[i] *= scale;
        }
        k.matmulTransB(u, 0, rank, b.data(), 0, rank, y, yCol, ldy, rows, out, rank, true);
    }

    /**
     * Adds dA and dB for the gradient dy (columns dyCol.. of rows lddy apart) of a forward call on
     * x with the same {@code seed}, and adds the adapter's share of dx [rows, in] (rows ldx apart)
     * into {@code dx}: mask ⊙ ((α/r) · dy · B) · A.
     */
    public void backward(float[] x, int xOff, int ldx, float[] dy, int dyCol, int lddy, int rows, DropoutSeed seed,
                         float[] dx, int dxOff, int lddx) {
        if (!trainable) {
            throw new UnsupportedOperationException(a.name() + " is a frozen adapter: it takes no gradients");
        }
        Kernels k = KernelProvider.get();
        float[] mask = mask(seed, rows);
        float[] xd = dropped(x, xOff, ldx, rows, mask);
        float[] xs = xd != null ? xd : x;
        int xsOff = xd != null ? 0 : xOff;
        int ldxs = xd != null ? in : ldx;
        float[] u = new float[rows * rank]; // (α/r) · dropout(x)·Aᵀ, recomputed rather than kept
        k.matmulTransB(xs, xsOff, ldxs, a.data(), 0, in, u, 0, rank, rows, rank, in, false);
        for (int i = 0; i < u.length; i++) {
            u[i] *= scale;
        }
        k.matmulTransA(dy, dyCol, lddy, u, 0, rank, b.grad().data(), 0, rank, out, rank, rows, true); // dB += dyᵀ·u
        float[] du = new float[rows * rank]; // (α/r) · dy·B
        k.matmul(dy, dyCol, lddy, b.data(), 0, rank, du, 0, rank, rows, rank, out, false);
        for (int i = 0; i < du.length; i++) {
            du[i] *= scale;
        }
        k.matmulTransA(du, 0, rank, xs, xsOff, ldxs, a.grad().data(), 0, in, rank, in, rows, true); // dA += duᵀ·x̃
        if (mask == null) {
            k.matmul(du, 0, rank, a.data(), 0, in, dx, dxOff, lddx, rows, in, rank, true);
            return;
        }
        float[] dxd = new float[rows * in];
        k.matmul(du, 0, rank, a.data(), 0, in, dxd, 0, in, rows, in, rank, false);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < in; i++) {
                dx[dxOff + r * lddx + i] += dxd[r * in + i] * mask[r * in + i];
            }
        }
    }

    /**
     * The adapter's change of the weight, ΔW = (α/r) · B·A [out, in], the matrix a merge adds to W
     * (PEFT's {@code get_delta_weight}), computed in double and rounded once per element.
     */
    public float[] delta() {
        float[] av = a.data();
        float[] bv = b.data();
        float[] d = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double sum = 0;
                for (int j = 0; j < rank; j++) {
                    sum += (double) bv[o * rank + j] * av[j * in + i];
                }
                d[o * in + i] = (float) (sum * scale);
            }
        }
        return d;
    }

    @Override
    public String toString() {
        return "lora[r=" + rank + ", α=" + alpha + (dropout > 0 ? ", dropout " + dropout : "") + "]";
    }
}
