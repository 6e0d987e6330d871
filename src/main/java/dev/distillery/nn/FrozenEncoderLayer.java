package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.PackedMatrix;
import dev.distillery.kernel.Parallel;

import java.util.List;

/**
 * An {@link EncoderLayer} for inference only: the same post-LN layer over a copy of its weights,
 * with every projection packed once for {@link Kernels#matmulPacked} and Q, K, V fused into one
 * [hidden, 3·hidden] product.
 * <pre>
 *   q, k, v = split(x · [Wq; Wk; Wv]ᵀ + [bq; bk; bv])
 *   h = LN₁(x + bo + softmax(q·kᵀ/√d + mask)·v · Woᵀ)
 *   y = LN₂(h + b₂ + gelu(h · W₁ᵀ + b₁) · W₂ᵀ)
 * </pre>
 * Biases and residuals are written into the output first and the product is added onto them, so
 * no separate pass adds them; heads are read and written in place through leading dimensions, so
 * no split or merge copies are made. Results equal {@link EncoderLayer#forward} up to summation
 * order (a few ulps).
 *
 * <p>Immutable and thread-safe: all per-call memory is in the caller's {@link Workspace}.
 */
public final class FrozenEncoderLayer {
    /** Per-worker scores [seq, seq] and transposed keys [headSize, seq] of one (sequence, head) pair. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /** Element-wise passes smaller than this stay on the calling thread (a 64-token GELU is 98K). */
    private static final long PARALLEL_ELEMENTS = 1 << 17;

    private final int hidden;
    private final int inner; // heads·headSize, below hidden once heads are pruned
    private final int heads;
    private final int headSize;
    private final int ffn;
    private final PackedMatrix qkv;          // [hidden, 3·inner]
    private final float[] qkvBias;           // [3·inner]
    private final PackedMatrix attentionOut; // [inner, hidden]
    private final float[] attentionOutBias;  // [hidden]
    private final float[] norm1Gamma;        // [hidden]
    private final float[] norm1Beta;         // [hidden]
    private final float norm1Eps;
    private final PackedMatrix intermediate; // [hidden, ffn]
    private final float[] intermediateBias;  // [ffn]
    private final PackedMatrix output;       // [ffn, hidden]
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

    FrozenEncoderLayer(SelfAttention attention, LayerNorm attentionNorm, Linear intermediate, Linear output,
                       LayerNorm outputNorm) {
        Kernels k = KernelProvider.get();
        List<Linear> p = attention.projections();
        this.hidden = p.get(0).in();
        this.inner = p.get(0).out();
        this.heads = attention.heads();
        this.headSize = inner / heads;
        this.ffn = intermediate.out();
        float[] w = new float[3 * inner * hidden]; // [3·inner, hidden], PyTorch [out, in] layout
        qkvBias = new float[3 * inner];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(p.get(i).weight().data(), 0, w, i * inner * hidden, inner * hidden);
            System.arraycopy(p.get(i).bias().data(), 0, qkvBias, i * inner, inner);
        }
        qkv = k.pack(w, 0, hidden, hidden, 3 * inner, true);
        attentionOut = pack(k, p.get(3));
        attentionOutBias = p.get(3).bias().data().clone();
        norm1Gamma = attentionNorm.parameters().get(0).data().clone();
        norm1Beta = attentionNorm.parameters().get(1).data().clone();
        norm1Eps = attentionNorm.eps();
        this.intermediate = pack(k, intermediate);
        intermediateBias = intermediate.bias().data().clone();
        this.output = pack(k, output);
        outputBias = output.bias().data().clone();
        norm2Gamma = outputNorm.parameters().get(0).data().clone();
        norm2Beta = outputNorm.parameters().get(1).data().clone();
        norm2Eps = outputNorm.eps();
    }

    private static PackedMatrix pack(Kernels k, Linear l) {
        return k.pack(l.weight().data(), 0, l.in(), l.in(), l.out(), true);
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
        k.matmulPacked(x, 0, hidden, qkv, qkvOut, 0, 3 * inner, tokens, true);
        attend(qkvOut, maskAdd, batch, seq, ws.context);
        overRows(tokens, hidden, (from, to) -> fillRows(a, x, attentionOutBias, from, to));
        k.matmulPacked(ws.context, 0, inner, attentionOut, a, 0, hidden, tokens, true);
        overRows(tokens, ffn, (from, to) -> {
            k.layerNormRows(a, from * hidden, norm1Gamma, norm1Beta, x, from * hidden, null, null,
                    to - from, hidden, norm1Eps);
            fillRows(inter, null, intermediateBias, from, to);
        });
        k.matmulPacked(x, 0, hidden, intermediate, inter, 0, ffn, tokens, true);
        overRows(tokens, ffn, (from, to) -> {
            k.gelu(inter, from * ffn, inter, from * ffn, (to - from) * ffn);
            fillRows(a, x, outputBias, from, to);
        });
        k.matmulPacked(inter, 0, ffn, output, a, 0, hidden, tokens, true);
        overRows(tokens, hidden, (from, to) -> k.layerNormRows(a, from * hidden, norm2Gamma, norm2Beta,
                x, from * hidden, null, null, to - from, hidden, norm2Eps));
    }

    /**
     * Runs an element-wise pass over rows on the pool only when it is big enough: waking the
     * workers costs tens of microseconds, more than filling or normalising one 64-token sequence.
     */
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
