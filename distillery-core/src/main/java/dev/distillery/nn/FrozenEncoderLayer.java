package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.Parallel;

import java.util.List;

/**
 * An {@link EncoderLayer} for inference only: the same post-LN layer over a copy of its weights,
 * with every projection a {@link LinearWeight} (FP32 packed once for {@link Kernels#matmulPacked},
 * or any low-bit format) and Q, K, V fused into one [hidden, 3·inner] product (inner = hidden unless heads were pruned).
 * <pre>
 *   q, k, v = split(x · [Wq; Wk; Wv]ᵀ + [bq; bk; bv])
 *   h = LN₁(x + bo + softmax(q·kᵀ/√d + mask)·v · Woᵀ)
 *   y = LN₂(h + b₂ + gelu(h · W₁ᵀ + b₁) · W₂ᵀ)
 * </pre>
 * Biases and residuals are written into the output first and the product is added onto them, so
 * no separate pass adds them; heads are read and written in place through leading dimensions, so
 * no split or merge copies are made. Results equal {@link EncoderLayer#forward} up to summation
 * order (a few ulps) for FP32 weights.
 *
 * <p>Immutable and thread-safe: all per-call memory is in the caller's {@link Workspace}.
 */
public final class FrozenEncoderLayer {
    /** Per-worker scores [seq, seq] and transposed keys [headSize, seq] of one (sequence, head) pair. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * Element-wise passes smaller than this stay on the calling thread. A 64-token GELU (98K
     * elements, about 250 µs) is worth splitting now that handing a loop to a spinning worker
     * costs microseconds; a 64-token layer norm (25K) still is, barely.
     */
    private static final long PARALLEL_ELEMENTS = 1 << 14;

    private final int hidden;
    private final int inner; // heads·headSize, below hidden once heads are pruned
    private final int heads;
    private final int headSize;
    private final int ffn;
    private final LinearWeight qkv;          // [3·inner, hidden]
    private final float[] qkvBias;           // [3·inner]
    private final LinearWeight attentionOut; // [hidden, inner]
    private final float[] attentionOutBias;  // [hidden]
    private final float[] norm1Gamma;        // [hidden]
    private final float[] norm1Beta;         // [hidden]
    private final float norm1Eps;
    private final LinearWeight intermediate; // [ffn, hidden]
    private final float[] intermediateBias;  // [ffn]
    private final LinearWeight output;       // [hidden, ffn]
    private final float[] outputBias;        // [hidden]
    private final float[] norm2Gamma;        // [hidden]
    private final float[] norm2Beta;         // [hidden]
    private final float norm2Eps;

    /**
     * Scratch arrays one thread reuses across layers and calls, grown on demand: at batch 32 of
     * 64 tokens they hold 50 MB that would otherwise be allocated and zeroed on every layer.
     */
    public static final class Workspace {
        float[] qkv = new float[0];      // [tokens, 3·inner]
        float[] context = new float[0];  // [tokens, inner]
        float[] residual = new float[0]; // [tokens, hidden]
        float[] inter = new float[0];    // [tokens, ffn]

        void ensure(int tokens, int hidden, int inner, int ffn) {
            if (qkv.length < tokens * 3 * inner) {
                qkv = new float[tokens * 3 * inner];
            }
            if (context.length < tokens * inner) {
                context = new float[tokens * inner];
            }
            if (residual.length < tokens * hidden) {
                residual = new float[tokens * hidden];
            }
            if (inter.length < tokens * ffn) {
                inter = new float[tokens * ffn];
            }
        }
    }

    /**
     * The weights of one layer in any format; linear weights in PyTorch [out, in] layout, Q, K and
     * V stacked into {@code qkv} [3·inner, hidden], inner = heads·headSize (see {@link LinearWeight#stack}). Arrays are
     * used as given, not copied.
     */
    public record Weights(int heads,
                          LinearWeight qkv, float[] qkvBias,
                          LinearWeight attentionOut, float[] attentionOutBias,
                          float[] norm1Gamma, float[] norm1Beta, float norm1Eps,
                          LinearWeight intermediate, float[] intermediateBias,
                          LinearWeight output, float[] outputBias,
                          float[] norm2Gamma, float[] norm2Beta, float norm2Eps) {
    }

    /** A layer over {@code w}; throws when the shapes do not chain into one post-LN layer. */
    public FrozenEncoderLayer(Weights w) {
        this.hidden = w.attentionOut().out();
        this.inner = w.attentionOut().in();
        this.heads = w.heads();
        this.ffn = w.intermediate().out();
        if (heads <= 0 || inner % heads != 0) {
            throw new IllegalArgumentException("attention width " + inner + " does not split into " + heads + " heads");
        }
        this.headSize = inner / heads;
        check("qkv", w.qkv(), 3 * inner, hidden, w.qkvBias());
        check("attention output", w.attentionOut(), hidden, inner, w.attentionOutBias());
        check("intermediate", w.intermediate(), ffn, hidden, w.intermediateBias());
        check("output", w.output(), hidden, ffn, w.outputBias());
        for (float[] v : new float[][] {w.norm1Gamma(), w.norm1Beta(), w.norm2Gamma(), w.norm2Beta()}) {
            if (v.length != hidden) {
                throw new IllegalArgumentException("layer norm parameters must have " + hidden + " entries, got " + v.length);
            }
        }
        qkv = w.qkv();
        qkvBias = w.qkvBias();
        attentionOut = w.attentionOut();
        attentionOutBias = w.attentionOutBias();
        norm1Gamma = w.norm1Gamma();
        norm1Beta = w.norm1Beta();
        norm1Eps = w.norm1Eps();
        intermediate = w.intermediate();
        intermediateBias = w.intermediateBias();
        output = w.output();
        outputBias = w.outputBias();
        norm2Gamma = w.norm2Gamma();
        norm2Beta = w.norm2Beta();
        norm2Eps = w.norm2Eps();
    }

    private static void check(String what, LinearWeight weight, int out, int in, float[] bias) {
        if (weight.out() != out || weight.in() != in || bias.length != out) {
            throw new IllegalArgumentException("the " + what + " projection must be [" + out + "×" + in + "] with "
                    + out + " biases, got [" + weight.out() + "×" + weight.in() + "] with " + bias.length);
        }
    }

    /** An FP32 snapshot of the trainable modules, Q, K and V packed as one product. */
    FrozenEncoderLayer(SelfAttention attention, LayerNorm attentionNorm, Linear intermediate, Linear output,
                       LayerNorm outputNorm) {
        this(fp32Weights(attention, attentionNorm, intermediate, output, outputNorm));
    }

    private static Weights fp32Weights(SelfAttention attention, LayerNorm attentionNorm, Linear intermediate,
                                       Linear output, LayerNorm outputNorm) {
        List<Linear> p = attention.projections();
        int hidden = p.get(0).in();
        int inner = p.get(0).out(); // below hidden when heads were pruned
        float[] w = new float[3 * inner * hidden]; // [3·inner, hidden], PyTorch [out, in] layout
        float[] qkvBias = new float[3 * inner];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(p.get(i).weight().data(), 0, w, i * inner * hidden, inner * hidden);
            System.arraycopy(p.get(i).bias().data(), 0, qkvBias, i * inner, inner);
        }
        return new Weights(attention.heads(),
                LinearWeight.fp32(w, 3 * inner, hidden), qkvBias,
                fp32(p.get(3)), p.get(3).bias().data().clone(),
                attentionNorm.parameters().get(0).data().clone(), attentionNorm.parameters().get(1).data().clone(),
                attentionNorm.eps(),
                fp32(intermediate), intermediate.bias().data().clone(),
                fp32(output), output.bias().data().clone(),
                outputNorm.parameters().get(0).data().clone(), outputNorm.parameters().get(1).data().clone(),
                outputNorm.eps());
    }

    private static LinearWeight fp32(Linear l) {
        return LinearWeight.fp32(l.weight().data(), l.out(), l.in());
    }

    /** Bytes of weights held: the linear weights as their formats keep them, plus FP32 biases and norms. */
    public long bytes() {
        long vectors = qkvBias.length + attentionOutBias.length + intermediateBias.length + outputBias.length
                + 4L * hidden;
        return qkv.bytes() + attentionOut.bytes() + intermediate.bytes() + output.bytes() + 4 * vectors;
    }

    /** Parameters (weights and biases counted one each, whatever their storage format). */
    public long parameters() {
        long vectors = qkvBias.length + attentionOutBias.length + intermediateBias.length + outputBias.length + 4L * hidden;
        return vectors + weights(qkv) + weights(attentionOut) + weights(intermediate) + weights(output);
    }

    private static long weights(LinearWeight w) {
        return (long) w.out() * w.in();
    }

    /**
     * Runs the layer on x [batch·seq, hidden] in place, with the additive key mask
     * [batch, seq] of {@link SelfAttention#additiveMask}.
     */
    public void forward(float[] x, float[] maskAdd, int batch, int seq, Workspace ws) {
        int tokens = batch * seq;
        ws.ensure(tokens, hidden, inner, ffn);
        Kernels k = KernelProvider.get();
        float[] qkvOut = ws.qkv;
        float[] a = ws.residual;
        float[] inter = ws.inter;
        overRows(tokens, 3 * inner, (from, to) -> fillRows(qkvOut, null, qkvBias, from, to));
        qkv.multiplyAdd(x, 0, hidden, qkvOut, 0, 3 * inner, tokens);
        attend(qkvOut, maskAdd, batch, seq, ws.context);
        overRows(tokens, hidden, (from, to) -> fillRows(a, x, attentionOutBias, from, to));
        attentionOut.multiplyAdd(ws.context, 0, inner, a, 0, hidden, tokens);
        overRows(tokens, ffn, (from, to) -> {
            k.layerNormRows(a, from * hidden, norm1Gamma, norm1Beta, x, from * hidden, null, null,
                    to - from, hidden, norm1Eps);
            fillRows(inter, null, intermediateBias, from, to);
        });
        intermediate.multiplyAdd(x, 0, hidden, inter, 0, ffn, tokens);
        overRows(tokens, ffn, (from, to) -> {
            k.gelu(inter, from * ffn, inter, from * ffn, (to - from) * ffn);
            fillRows(a, x, outputBias, from, to);
        });
        output.multiplyAdd(inter, 0, ffn, a, 0, hidden, tokens);
        overRows(tokens, hidden, (from, to) -> k.layerNormRows(a, from * hidden, norm2Gamma, norm2Beta,
                x, from * hidden, null, null, to - from, hidden, norm2Eps));
    }

    /** Runs an element-wise pass over rows on the team only when it is big enough to repay the hand-off. */
    private static void overRows(int rows, int cols, Parallel.RangeBody body) {
        if ((long) rows * cols < PARALLEL_ELEMENTS) {
            body.run(0, rows);
        } else {
            Parallel.forRange(rows, body);
        }
    }

    /** Rows from..to of dst [rows, bias.length] = src (when non-null, same shape) + bias. */
    private static void fillRows(float[] dst, float[] src, float[] bias, int from, int to) {
        int cols = bias.length;
        for (int r = from; r < to; r++) {
            int row = r * cols;
            if (src == null) {
                System.arraycopy(bias, 0, dst, row, cols);
            } else {
                for (int j = 0; j < cols; j++) {
                    dst[row + j] = src[row + j] + bias[j];
                }
            }
        }
    }

    /**
     * context [tokens, inner] = softmax(q·kᵀ/√d + mask)·v per (sequence, head), reading q, k
     * and v straight out of the fused projection [tokens, 3·inner]. The pairs are split across
     * the pool: one sequence of 12 heads is already two threads' worth of small products, each
     * run by {@link Kernels#matmulSmall} on operands that fit in L1.
     */
    private void attend(float[] qkvOut, float[] maskAdd, int batch, int seq, float[] context) {
        int ld = 3 * inner;
        float sqrtHeadSize = (float) Math.sqrt(headSize);
        Parallel.forRange(batch * heads, (from, to) -> {
            Kernels k = KernelProvider.get();
            float[][] scratch = SCRATCH.get();
            if (scratch[0].length < seq * seq || scratch[1].length < headSize * seq) {
                scratch[0] = new float[seq * seq];
                scratch[1] = new float[headSize * seq];
            }
            float[] scores = scratch[0]; // [seq, seq]
            float[] kt = scratch[1];     // [headSize, seq], this head's keys transposed
            for (int blk = from; blk < to; blk++) {
                int b = blk / heads;
                int h = blk % heads;
                int q0 = b * seq * ld + h * headSize;
                int k0 = q0 + inner;
                for (int t = 0; t < seq; t++) {
                    for (int d = 0; d < headSize; d++) {
                        kt[d * seq + t] = qkvOut[k0 + t * ld + d];
                    }
                }
                k.matmulSmall(qkvOut, q0, ld, kt, 0, seq, scores, 0, seq, seq, seq, headSize, false);
                int mask0 = b * seq;
                for (int i = 0; i < seq; i++) {
                    int row = i * seq;
                    for (int j = 0; j < seq; j++) {
                        // HF divides by √d, then adds the mask: same rounding as PyTorch.
                        scores[row + j] = scores[row + j] / sqrtHeadSize + maskAdd[mask0 + j];
                    }
                }
                k.softmaxRows(scores, 0, seq, seq);
                k.matmulSmall(scores, 0, seq, qkvOut, q0 + 2 * inner, ld, context,
                        b * seq * inner + h * headSize, inner, seq, headSize, seq, false);
            }
        });
    }
}
