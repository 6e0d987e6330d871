package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.Parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Multi-head scaled dot-product self-attention with a key padding mask and its output
 * projection, as HF {@code BertSelfAttention} + {@code BertSelfOutput.dense} and DistilBERT's
 * {@code MultiHeadSelfAttention} (Vaswani et al., "Attention Is All You Need", 2017).
 *
 * <p>Q, K and V are projected for all tokens of the batch at once, then laid out as
 * [batch, heads, seq, headSize] so every (sequence, head) block has the same stride and the two
 * attention products are each one {@link Kernels#matmulBatched} call over batch·heads blocks.
 */
public final class SelfAttention {
    /**
     * What HF adds to the score of a padded key: {@code torch.finfo(float32).min}. A fully masked
     * row then holds equal scores and softmax makes it uniform, exactly as in PyTorch.
     */
    public static final float MASKED = -Float.MAX_VALUE;

    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;
    private final int heads;
    private final int inner; // heads·headSize: the hidden size, or less once heads are pruned
    private final int headSize;
    private final float dropout;

    /**
     * Everything backward needs; {@code y} [tokens, hidden] is the forward result.
     *
     * @param qh queries [batch, heads, seq, headSize], as are {@code kh} and {@code vh}
     * @param probs softmax output [batch, heads, seq, seq]
     * @param probsDropped probs after attention dropout (the same array when dropout is off)
     */
    public record Trace(float[] x, float[] qh, float[] kh, float[] vh, float[] probs, float[] dropMask,
                        float[] probsDropped, float[] context, float[] y, int batch, int seq) {
    }

    public SelfAttention(Linear query, Linear key, Linear value, Linear output, int heads, float dropout) {
        this.query = query;
        this.key = key;
        this.value = value;
        this.output = output;
        this.heads = heads;
        int hidden = query.in();
        this.inner = query.out();
        this.headSize = inner / heads;
        this.dropout = dropout;
        if (inner % heads != 0 || key.in() != hidden || value.in() != hidden || key.out() != inner
                || value.out() != inner || output.in() != inner || output.out() != hidden) {
            throw new IllegalArgumentException("attention projections must map " + hidden + " to " + inner
                    + " (Q, K, V) and back (output), " + inner + " splitting into " + heads + " heads");
        }
    }

    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        for (Linear l : List.of(query, key, value, output)) {
            all.addAll(l.parameters());
        }
        return all;
    }

    /** Q, K, V and output projections, in that order, for {@link FrozenEncoderLayer}. */
    List<Linear> projections() {
        return List.of(query, key, value, output);
    }

    int heads() {
        return heads;
    }

    /** [batch, seq] additive mask from a 0/1 attention mask: 0 for tokens, {@link #MASKED} for padding. */
    public static float[] additiveMask(int[] attentionMask) {
        float[] add = new float[attentionMask.length];
        for (int i = 0; i < add.length; i++) {
            add[i] = attentionMask[i] != 0 ? 0f : MASKED;
        }
        return add;
    }

    /** Stateless inference: {@code output(softmax(q·kᵀ/√d + mask)·v)} for x [batch·seq, hidden]. */
    public float[] forward(float[] x, float[] maskAdd, int batch, int seq) {
        return forwardTrain(x, maskAdd, batch, seq, null).y();
    }

    /**
     * {@code dense(dropout(softmax(q·kᵀ/√d + mask))·v)}; dropout on the attention probabilities
     * only when {@code rng} is non-null.
     */
    public Trace forwardTrain(float[] x, float[] maskAdd, int batch, int seq, SplittableRandom rng) {
        Kernels k = KernelProvider.get();
        int tokens = batch * seq;
        int blocks = batch * heads;
        int blockQ = seq * headSize;
        int blockS = seq * seq;
        float[] qh = splitHeads(query.forward(x, tokens), batch, seq); // [batch, heads, seq, headSize]
        float[] kh = splitHeads(key.forward(x, tokens), batch, seq);
        float[] vh = splitHeads(value.forward(x, tokens), batch, seq);
        float[] probs = new float[blocks * blockS]; // [batch, heads, seq, seq]
        batched(false, true, blocks, qh, blockQ, headSize, kh, blockQ, headSize,
                probs, blockS, seq, seq, seq, headSize);
        float sqrtHeadSize = (float) Math.sqrt(headSize);
        Parallel.forRange(blocks, (from, to) -> {
            for (int blk = from; blk < to; blk++) {
                int b = blk / heads;
                int base = blk * blockS;
                for (int i = 0; i < seq; i++) {
                    int row = base + i * seq;
                    for (int j = 0; j < seq; j++) {
                        // HF divides by √d, then adds the mask: same rounding as PyTorch.
                        probs[row + j] = probs[row + j] / sqrtHeadSize + maskAdd[b * seq + j];
                    }
                }
                k.softmaxRows(probs, base, seq, seq);
            }
        });
        float[] dropMask = Dropout.mask(probs.length, dropout, rng);
        float[] probsDropped = Dropout.applyCopy(probs, dropMask);
        float[] contextH = new float[blocks * blockQ];
        batched(false, false, blocks, probsDropped, blockS, seq, vh, blockQ, headSize,
                contextH, blockQ, headSize, seq, headSize, seq);
        float[] context = mergeHeads(contextH, batch, seq); // [batch·seq, heads·headSize]
        float[] y = output.forward(context, tokens);
        return new Trace(x, qh, kh, vh, probs, dropMask, probsDropped, context, y, batch, seq);
    }

    /**
     * Accumulates the gradients of all four projections and returns dx, added into
     * {@code dxInto} when non-null (the residual branch's gradient).
     */
    public float[] backward(Trace t, float[] dy, float[] dxInto) {
        return backward(t, dy, dxInto, null);
    }

    /**
     * As {@link #backward(Trace, float[], float[])}, plus an extra gradient on the attention
     * probabilities {@link Trace#probs()} [batch, heads, seq, seq] (attention distillation); may be null.
     */
    public float[] backward(Trace t, float[] dy, float[] dxInto, float[] dProbsExtra) {
        Kernels k = KernelProvider.get();
        int batch = t.batch();
        int seq = t.seq();
        int tokens = batch * seq;
        int blocks = batch * heads;
        int blockQ = seq * headSize;
        int blockS = seq * seq;
        float[] dContextH = splitHeads(output.backward(t.context(), dy, tokens, null), batch, seq);
        float[] dProbs = new float[blocks * blockS];
        batched(false, true, blocks, dContextH, blockQ, headSize, t.vh(), blockQ, headSize,
                dProbs, blockS, seq, seq, seq, headSize);
        float[] dvh = new float[blocks * blockQ];
        batched(true, false, blocks, t.probsDropped(), blockS, seq, dContextH, blockQ, headSize,
                dvh, blockQ, headSize, seq, headSize, seq);
        Dropout.apply(dProbs, t.dropMask());
        if (dProbsExtra != null) {
            for (int i = 0; i < dProbs.length; i++) {
                dProbs[i] += dProbsExtra[i];
            }
        }
        float[] dScores = new float[blocks * blockS];
        float sqrtHeadSize = (float) Math.sqrt(headSize);
        Parallel.forRange(blocks, (from, to) -> {
            int base = from * blockS;
            int rows = (to - from) * seq;
            k.softmaxRowsBackward(t.probs(), base, dProbs, base, dScores, base, rows, seq);
            for (int i = base; i < base + rows * seq; i++) {
                dScores[i] /= sqrtHeadSize;
            }
        });
        float[] dqh = new float[blocks * blockQ];
        batched(false, false, blocks, dScores, blockS, seq, t.kh(), blockQ, headSize,
                dqh, blockQ, headSize, seq, headSize, seq);
        float[] dkh = new float[blocks * blockQ];
        batched(true, false, blocks, dScores, blockS, seq, t.qh(), blockQ, headSize,
                dkh, blockQ, headSize, seq, headSize, seq);
        float[] dx = query.backward(t.x(), mergeHeads(dqh, batch, seq), tokens, dxInto);
        key.backward(t.x(), mergeHeads(dkh, batch, seq), tokens, dx);
        value.backward(t.x(), mergeHeads(dvh, batch, seq), tokens, dx);
        return dx;
    }

    /**
     * {@link Kernels#matmulBatched} over all (sequence, head) blocks, split across the pool by
     * blocks: each block is too small for a matrix kernel to split well on its own.
     */
    private static void batched(boolean transA, boolean transB, int blocks, float[] a, int aStride, int lda,
                                float[] b, int bStride, int ldb, float[] c, int cStride, int ldc, int m, int n, int k) {
        Kernels kernels = KernelProvider.get();
        Parallel.forRange(blocks, (from, to) -> kernels.matmulBatched(transA, transB, to - from,
                a, from * aStride, aStride, lda, b, from * bStride, bStride, ldb, c, from * cStride, cStride, ldc,
                m, n, k, false));
    }

    /** [batch, seq, heads·headSize] → [batch, heads, seq, headSize]. */
    private float[] splitHeads(float[] x, int batch, int seq) {
        float[] out = new float[x.length];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seq; s++) {
                int src = (b * seq + s) * inner;
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(x, src + h * headSize, out, ((b * heads + h) * seq + s) * headSize, headSize);
                }
            }
        }
        return out;
    }

    /** [batch, heads, seq, headSize] → [batch, seq, heads·headSize]. */
    private float[] mergeHeads(float[] x, int batch, int seq) {
        float[] out = new float[x.length];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seq; s++) {
                int dst = (b * seq + s) * inner;
                for (int h = 0; h < heads; h++) {
                    System.arraycopy(x, ((b * heads + h) * seq + s) * headSize, out, dst + h * headSize, headSize);
                }
            }
        }
        return out;
    }
}
