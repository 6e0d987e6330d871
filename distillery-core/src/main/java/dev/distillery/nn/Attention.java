package dev.distillery.nn;

import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.Parallel;

/**
 * Scaled dot-product attention over every (sequence, head) pair, reading queries, keys and values
 * in place through row strides (straight out of a fused QKV product or a KV cache) and writing
 * each head's context into its columns: the core of {@code BertSelfAttention},
 * {@code MultiHeadSelfAttention} and {@code LlamaAttention} (Vaswani et al., "Attention Is All
 * You Need", 2017; grouped-query attention: Ainslie et al., "GQA", 2023).
 * <pre>
 *   context[b, i, h] = softmax_j(q[b, i, h] · k[b, j, h/group] / √d + mask[b, j] + causal(i, j)) · v[b, j, h/group]
 * </pre>
 * with {@code group = heads / kvHeads} query heads sharing one key/value head. A causal query at
 * position p sees the keys at positions ≤ p; query i of a call sits at {@code firstPosition + i}.
 *
 * <p>Pairs are split across the {@link Parallel} pool by (sequence, key/value head), so the heads
 * of a group, which add into the same key and value gradients, run on one thread. Each pair is
 * small enough for {@link Kernels#matmulSmall} on operands in L1; its keys are transposed once
 * into per-thread scratch. When {@code probs} is given (training) the probabilities are kept
 * there, [batch, heads, queries, keys], for backward; otherwise scores live in scratch.
 */
public final class Attention {
    /**
     * What HF adds to the score of a masked key: {@code torch.finfo(float32).min}. A fully masked
     * row then holds equal scores and softmax makes it uniform, exactly as in PyTorch.
     */
    public static final float MASKED = -Float.MAX_VALUE;

    /** Per-thread scores [queries, keys], transposed keys [headSize, keys] and a second score block. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    private final int heads;
    private final int kvHeads;
    private final int headSize;
    private final boolean causal;
    private final float sqrtHeadSize;

    /**
     * One operand of many rows: row r of sequence b starts at {@code off + b·seqStride + r·ld};
     * head h occupies columns {@code h·headSize ..}.
     */
    public record Rows(float[] data, int off, int ld, int seqStride) {
        int at(int b, int row, int head, int headSize) {
            return off + b * seqStride + row * ld + head * headSize;
        }
    }

    public Attention(int heads, int kvHeads, int headSize, boolean causal) {
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headSize <= 0) {
            throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads
                    + " key/value heads of size " + headSize);
        }
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headSize = headSize;
        this.causal = causal;
        this.sqrtHeadSize = (float) Math.sqrt(headSize);
    }

    public int heads() {
        return heads;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headSize() {
        return headSize;
    }

    /** [batch, keys] additive mask from a 0/1 attention mask: 0 for tokens, {@link #MASKED} for padding. */
    public static float[] additiveMask(int[] attentionMask) {
        float[] add = new float[attentionMask.length];
        for (int i = 0; i < add.length; i++) {
            add[i] = attentionMask[i] != 0 ? 0f : MASKED;
        }
        return add;
    }

    /**
     * Writes the context of {@code queries} queries per sequence against {@code keys} keys.
     *
     * @param maskAdd      [batch, keys] added to every score, or null
     * @param probs        [batch, heads, queries, keys] receiving the probabilities, or null (inference)
     * @param dropMask     dropout scales over probs, or null; then {@code dropped} receives probs ⊙ mask
     */
    public void forward(Rows q, Rows k, Rows v, int batch, int queries, int keys, int firstPosition, float[] maskAdd,
                        Rows context, float[] probs, float[] dropMask, float[] dropped) {
        int group = heads / kvHeads;
        int block = queries * keys;
        Parallel.forRange(batch * kvHeads, (from, to) -> {
            Kernels kn = KernelProvider.get();
            float[][] scratch = scratch(block, headSize * keys);
            float[] kt = scratch[1]; // [headSize, keys]: this key head transposed
            for (int pair = from; pair < to; pair++) {
                int b = pair / kvHeads;
                int g = pair % kvHeads;
                int k0 = k.at(b, 0, g, headSize);
                for (int t = 0; t < keys; t++) {
                    int row = k0 + t * k.ld();
                    for (int d = 0; d < headSize; d++) {
                        kt[d * keys + t] = k.data()[row + d];
                    }
                }
                for (int h = g * group; h < (g + 1) * group; h++) {
                    float[] scores = probs != null ? probs : scratch[0];
                    int s0 = probs != null ? (b * heads + h) * block : 0;
                    kn.matmulSmall(q.data(), q.at(b, 0, h, headSize), q.ld(), kt, 0, keys, scores, s0, keys,
                            queries, keys, headSize, false);
                    for (int i = 0; i < queries; i++) {
                        int row = s0 + i * keys;
                        int visible = causal ? firstPosition + i + 1 : keys;
                        for (int j = 0; j < keys; j++) {
                            // HF divides by √d, then adds the mask: same rounding as PyTorch.
                            float s = scores[row + j] / sqrtHeadSize + (maskAdd != null ? maskAdd[b * keys + j] : 0f);
                            scores[row + j] = j < visible ? s : MASKED;
                        }
                    }
                    kn.softmaxRows(scores, s0, queries, keys);
                    float[] p = scores;
                    if (dropMask != null) {
                        for (int i = s0; i < s0 + block; i++) {
                            dropped[i] = scores[i] * dropMask[i];
                        }
                        p = dropped;
                    }
                    kn.matmulSmall(p, s0, keys, v.data(), v.at(b, 0, g, headSize), v.ld(), context.data(),
                            context.at(b, 0, h, headSize), context.ld(), queries, headSize, keys, false);
                }
            }
        });
    }

    /**
     * Inference of a bidirectional block over one fused Q/K/V product {@code qkv} [batch·seq, ld]
     * (queries at column 0, keys at {@code kOff}, values at {@code vOff}): one
     * {@link Kernels#attention} call per (sequence, head), scale, mask and softmax inside its loop
     * and nothing allocated per call. Same result as {@link #forward} up to summation order.
     *
     * @param maskAdd [batch, seq] additive key mask ({@link #additiveMask})
     * @param context [batch·seq, ldc] receiving each head's context in its columns
     */
    public void forwardFused(float[] qkv, int ld, int kOff, int vOff, int batch, int seq, float[] maskAdd,
                             float[] context, int ldc) {
        if (causal || kvHeads != heads) {
            throw new IllegalStateException("the fused attention kernel serves bidirectional multi-head attention");
        }
        Parallel.forRange(batch * heads, (from, to) -> {
            Kernels kn = KernelProvider.get();
            for (int pair = from; pair < to; pair++) {
                int b = pair / heads;
                int h = pair % heads;
                int q0 = b * seq * ld + h * headSize;
                kn.attention(qkv, q0, q0 + kOff, q0 + vOff, ld, seq, headSize, maskAdd, b * seq, context,
                        b * seq * ldc + h * headSize, ldc);
            }
        });
    }

    /**
     * Gradients of {@link #forward} kept with {@code probs}: writes dQ and adds into dK and dV,
     * which the caller zeroes first (heads of a group add into the same key/value gradient).
     *
     * @param dProbsExtra extra dLoss/dProbs [batch, heads, queries, keys] (attention distillation), or null
     */
    public void backward(Rows q, Rows k, Rows v, int batch, int queries, int keys, float[] probs, float[] dropMask,
                         float[] dropped, Rows dContext, float[] dProbsExtra, Rows dq, Rows dk, Rows dv) {
        int group = heads / kvHeads;
        int block = queries * keys;
        Parallel.forRange(batch * kvHeads, (from, to) -> {
            Kernels kn = KernelProvider.get();
            float[][] scratch = scratch(block, 0);
            float[] dp = scratch[0]; // [queries, keys]
            float[] ds = scratch[2];
            for (int pair = from; pair < to; pair++) {
                int b = pair / kvHeads;
                int g = pair % kvHeads;
                int kAt = k.at(b, 0, g, headSize);
                int vAt = v.at(b, 0, g, headSize);
                for (int h = g * group; h < (g + 1) * group; h++) {
                    int s0 = (b * heads + h) * block;
                    int cAt = dContext.at(b, 0, h, headSize);
                    kn.matmulTransB(dContext.data(), cAt, dContext.ld(), v.data(), vAt, v.ld(), dp, 0, keys,
                            queries, keys, headSize, false);
                    float[] p = dropMask != null ? dropped : probs;
                    kn.matmulTransA(p, s0, keys, dContext.data(), cAt, dContext.ld(), dv.data(),
                            dv.at(b, 0, g, headSize), dv.ld(), keys, headSize, queries, true);
                    for (int i = 0; i < block; i++) {
                        float d = dropMask != null ? dp[i] * dropMask[s0 + i] : dp[i];
                        dp[i] = dProbsExtra != null ? d + dProbsExtra[s0 + i] : d;
                    }
                    kn.softmaxRowsBackward(probs, s0, dp, 0, ds, 0, queries, keys);
                    for (int i = 0; i < block; i++) {
                        ds[i] /= sqrtHeadSize;
                    }
                    kn.matmul(ds, 0, keys, k.data(), kAt, k.ld(), dq.data(), dq.at(b, 0, h, headSize), dq.ld(),
                            queries, headSize, keys, false);
                    kn.matmulTransA(ds, 0, keys, q.data(), q.at(b, 0, h, headSize), q.ld(), dk.data(),
                            dk.at(b, 0, g, headSize), dk.ld(), keys, headSize, queries, true);
                }
            }
        });
    }

    private static float[][] scratch(int scores, int transposed) {
        float[][] s = SCRATCH.get();
        if (s[0].length < scores) {
            s[0] = new float[scores];
            s[2] = new float[scores];
        }
        if (s[1].length < transposed) {
            s[1] = new float[transposed];
        }
        return s;
    }
}
