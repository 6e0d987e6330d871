package dev.distillery.nn;

import dev.distillery.kernel.Parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * One pre-norm decoder block, as Hugging Face's {@code LlamaDecoderLayer} and
 * {@code Qwen2DecoderLayer} (Touvron et al., "Llama 2", 2023; grouped-query attention: Ainslie et
 * al., "GQA", 2023; SwiGLU: Shazeer, "GLU Variants Improve Transformer", 2020):
 * <pre>
 *   q, k, v = split(RMSNorm₁(x) · [Wq; Wk; Wv]ᵀ (+ [bq; bk; bv] in Qwen2));  q, k = rope(q, k)
 *   h = x + softmax(q·kᵀ/√d + causal)·v · Woᵀ            (key/value head g serves query heads g·group ..)
 *   y = h + (silu(n·Wgᵀ) ⊙ n·Wuᵀ) · Wdᵀ,   n = RMSNorm₂(h)
 * </pre>
 * Q, K and V run as one product, gate and up as another.
 *
 * <p>One forward pass serves training and inference. With {@code keep} every intermediate lands in
 * a fresh array held by the returned {@link Trace} for {@link #backward}; without it the pass
 * reuses the caller's {@link Workspace} and writes the output over its input. With a
 * {@link KvCache.Layer} the new keys and values are appended to the cache and the queries attend
 * to everything cached, which is how generation runs one token at a time; without one the keys
 * are the call's own tokens. The kernel calls are the same sequence in every case: RMSNorm, the
 * QKV product, rotation, attention, the output product onto the residual, RMSNorm, the gate/up
 * product, SwiGLU, the down product onto the residual.
 */
public final class DecoderBlock {
    private final RmsNorm inputNorm;
    private final Linear qkv;       // [(heads + 2·kvHeads)·d, hidden]
    private final Linear output;    // [hidden, heads·d]
    private final RmsNorm postAttentionNorm;
    private final Linear gateUp;    // [2·ffn, hidden]: gate rows, then up rows
    private final Linear down;      // [hidden, ffn]
    private final Attention attention;
    private final Rope rope;
    private final int hidden;
    private final int qDim;
    private final int kvDim;
    private final int ffn;

    /** Scratch arrays one thread reuses across blocks and calls, grown on demand. */
    public static final class Workspace {
        float[] normed = new float[0];  // [tokens, hidden]
        float[] qkv = new float[0];     // [tokens, qDim + 2·kvDim]
        float[] context = new float[0]; // [tokens, qDim]
        float[] h = new float[0];       // [tokens, hidden]
        float[] gateUp = new float[0];  // [tokens, 2·ffn]
        float[] act = new float[0];     // [tokens, ffn]

        void ensure(int tokens, int hidden, int qkvWidth, int qDim, int ffn) {
            normed = grow(normed, tokens * hidden);
            qkv = grow(qkv, tokens * qkvWidth);
            context = grow(context, tokens * qDim);
            h = grow(h, tokens * hidden);
            gateUp = grow(gateUp, tokens * 2 * ffn);
            act = grow(act, tokens * ffn);
        }

        private static float[] grow(float[] a, int n) {
            return a.length >= n ? a : new float[n];
        }
    }

    /** Everything backward needs; {@code y} [tokens, hidden] is the output, {@code probs} [batch, heads, seq, seq]. */
    public record Trace(float[] x, float[] normed, float[] rstd1, float[] qkv, float[] probs, float[] context,
                        float[] h, float[] hNormed, float[] rstd2, float[] gateUp, float[] act, float[] y,
                        int batch, int seq, int firstPosition, DropoutSeed adapterSeed) {
    }

    public DecoderBlock(RmsNorm inputNorm, Linear qkv, Linear output, RmsNorm postAttentionNorm, Linear gateUp,
                        Linear down, int heads, int kvHeads, Rope rope) {
        this.hidden = inputNorm.dim();
        this.qDim = output.in();
        this.ffn = down.in();
        if (heads <= 0 || qDim % heads != 0) {
            throw new IllegalArgumentException("query width " + qDim + " does not split into " + heads + " heads");
        }
        int d = qDim / heads;
        this.kvDim = kvHeads * d;
        if (qkv.out() != qDim + 2 * kvDim || qkv.in() != hidden || output.out() != hidden || gateUp.in() != hidden
                || gateUp.out() != 2 * ffn || down.out() != hidden || postAttentionNorm.dim() != hidden) {
            throw new IllegalArgumentException("decoder block projections do not chain: qkv " + qkv + ", output "
                    + output + ", gate/up " + gateUp + ", down " + down + " for hidden " + hidden + ", " + heads
                    + " heads and " + kvHeads + " key/value heads");
        }
        this.inputNorm = inputNorm;
        this.qkv = qkv;
        this.output = output;
        this.postAttentionNorm = postAttentionNorm;
        this.gateUp = gateUp;
        this.down = down;
        this.attention = new Attention(heads, kvHeads, d, true);
        this.rope = rope;
    }

    /** Trainable parameters in Hugging Face's order (attention, MLP, then the two norms); empty when frozen. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(qkv.parameters());
        all.addAll(output.parameters());
        all.addAll(gateUp.parameters());
        all.addAll(down.parameters());
        all.addAll(inputNorm.parameters());
        all.addAll(postAttentionNorm.parameters());
        return all;
    }

    public DecoderBlock freeze() {
        return new DecoderBlock(inputNorm.freeze(), qkv.freeze(), output.freeze(), postAttentionNorm.freeze(),
                gateUp.freeze(), down.freeze(), attention.heads(), attention.kvHeads(), rope);
    }

    public long bytes() {
        return inputNorm.bytes() + qkv.bytes() + output.bytes() + postAttentionNorm.bytes() + gateUp.bytes()
                + down.bytes();
    }

    public long parameterCount() {
        return 2L * hidden + qkv.parameterCount() + output.parameterCount() + gateUp.parameterCount()
                + down.parameterCount();
    }

    /** Width of one key (or value) row: key/value heads × head size. */
    public int kvDim() {
        return kvDim;
    }

    /**
     * The block on x [batch·seq, hidden], row r of a sequence sitting at position
     * {@code firstPosition + r}.
     *
     * @param maskAdd [batch, keys] additive key mask (padding), or null
     * @param cache   this layer's cache (the new keys and values are written at their positions and
     *                the queries see every earlier one), or null to attend within the call
     * @param keep    true to keep activations for {@link #backward} (x is left intact; the output is
     *                {@code trace.y()}); false to write the output over x using {@code ws}
     * @return the trace when {@code keep}, else null
     */
    public Trace forward(float[] x, int batch, int seq, int firstPosition, float[] maskAdd, KvCache.Layer cache,
                         boolean keep, Workspace ws) {
        return forward(x, batch, seq, firstPosition, maskAdd, cache, keep, ws, null);
    }

    /**
     * As {@link #forward(float[], int, int, int, float[], KvCache.Layer, boolean, Workspace)}, with
     * the LoRA adapters' dropout drawn from {@code adapterSeed} (null: none, evaluation mode); the
     * trace keeps the seed for backward.
     */
    public Trace forward(float[] x, int batch, int seq, int firstPosition, float[] maskAdd, KvCache.Layer cache,
                         boolean keep, Workspace ws, DropoutSeed adapterSeed) {
        int tokens = batch * seq;
        int ld = qDim + 2 * kvDim;
        if (!keep) {
            ws.ensure(tokens, hidden, ld, qDim, ffn);
        }
        float[] normed = keep ? new float[tokens * hidden] : ws.normed;
        float[] qkvOut = keep ? new float[tokens * ld] : ws.qkv;
        float[] context = keep ? new float[tokens * qDim] : ws.context;
        float[] probs = keep ? new float[batch * attention.heads() * seq * seq] : null;
        float[] h = keep ? new float[tokens * hidden] : ws.h;
        float[] hNormed = keep ? new float[tokens * hidden] : ws.normed;
        float[] gu = keep ? new float[tokens * 2 * ffn] : ws.gateUp;
        float[] act = keep ? new float[tokens * ffn] : ws.act;
        float[] y = keep ? new float[tokens * hidden] : x;
        float[] rstd1 = keep ? new float[tokens] : null;
        float[] rstd2 = keep ? new float[tokens] : null;
        if (keep && cache != null) {
            throw new IllegalArgumentException("a training pass attends within its own tokens; it takes no cache");
        }

        rows(tokens, hidden, (from, to) -> inputNorm.forward(x, normed, from, to, rstd1));
        qkv.forward(normed, 0, hidden, qkvOut, tokens, null, at(adapterSeed, 0));
        rope.rotate(qkvOut, 0, ld, batch, seq, firstPosition, attention.heads(), false);
        rope.rotate(qkvOut, qDim, ld, batch, seq, firstPosition, attention.kvHeads(), false);
        Attention.Rows q = new Attention.Rows(qkvOut, 0, ld, seq * ld);
        Attention.Rows k;
        Attention.Rows v;
        int keys;
        int first;
        if (cache != null) {
            cache.append(qkvOut, qDim, qDim + kvDim, ld, batch, seq, firstPosition);
            k = cache.keys();
            v = cache.values();
            keys = firstPosition + seq;
            first = firstPosition;
        } else {
            k = new Attention.Rows(qkvOut, qDim, ld, seq * ld);
            v = new Attention.Rows(qkvOut, qDim + kvDim, ld, seq * ld);
            keys = seq;
            first = 0;
        }
        attention.forward(q, k, v, batch, seq, keys, first, maskAdd, new Attention.Rows(context, 0, qDim, seq * qDim),
                probs, null, null);
        output.forward(context, 0, qDim, h, tokens, x, at(adapterSeed, 1));
        rows(tokens, hidden, (from, to) -> postAttentionNorm.forward(h, hNormed, from, to, rstd2));
        gateUp.forward(hNormed, 0, hidden, gu, tokens, null, at(adapterSeed, 2));
        rows(tokens, ffn, (from, to) -> swiGlu(gu, act, from, to));
        down.forward(act, 0, ffn, y, tokens, h, at(adapterSeed, 3));
        return keep ? new Trace(x, normed, rstd1, qkvOut, probs, context, h, hNormed, rstd2, gu, act, y, batch, seq,
                firstPosition, adapterSeed) : null;
    }

    /** True when a training pass draws dropout masks in this block (a LoRA adapter with dropout). */
    public boolean drawsDropout() {
        return qkv.drawsDropout() || output.drawsDropout() || gateUp.drawsDropout() || down.drawsDropout();
    }

    private static DropoutSeed at(DropoutSeed seed, int site) {
        return seed == null ? null : seed.at(site);
    }

    /** act[t, j] = silu(gate[t, j]) · up[t, j] for rows from..to of the gate/up product [tokens, 2·ffn]. */
    private void swiGlu(float[] gu, float[] act, int from, int to) {
        for (int t = from; t < to; t++) {
            int g = t * 2 * ffn;
            int a = t * ffn;
            for (int j = 0; j < ffn; j++) {
                float x = gu[g + j];
                act[a + j] = x / (1f + (float) Math.exp(-x)) * gu[g + ffn + j];
            }
        }
    }

    private static void rows(int rows, int cols, Parallel.RangeBody body) {
        if ((long) rows * cols < Linear.PARALLEL_ELEMENTS) {
            body.run(0, rows);
        } else {
            Parallel.forRange(rows, body);
        }
    }

    /**
     * Accumulates every parameter gradient of the block and returns dx [batch·seq, hidden];
     * {@code dProbs} adds a gradient on the attention probabilities (may be null).
     */
    public float[] backward(Trace t, float[] dy, float[] dProbs) {
        int batch = t.batch();
        int seq = t.seq();
        int tokens = batch * seq;
        int ld = qDim + 2 * kvDim;
        float[] dh = dy.clone(); // the residual path
        float[] dAct = down.backward(t.act(), 0, ffn, dy, tokens, null, at(t.adapterSeed(), 3));
        float[] dgu = new float[tokens * 2 * ffn];
        float[] gu = t.gateUp();
        for (int r = 0; r < tokens; r++) {
            int g = r * 2 * ffn;
            for (int j = 0; j < ffn; j++) {
                float x = gu[g + j];
                float sigmoid = 1f / (1f + (float) Math.exp(-x));
                float da = dAct[r * ffn + j];
                dgu[g + ffn + j] = da * x * sigmoid;
                dgu[g + j] = da * gu[g + ffn + j] * sigmoid * (1f + x * (1f - sigmoid));
            }
        }
        float[] dhNormed = gateUp.backward(t.hNormed(), 0, hidden, dgu, tokens, null, at(t.adapterSeed(), 2));
        float[] dFromNorm = postAttentionNorm.backward(t.h(), t.rstd2(), dhNormed, tokens);
        for (int i = 0; i < dh.length; i++) {
            dh[i] += dFromNorm[i];
        }
        float[] dContext = output.backward(t.context(), 0, qDim, dh, tokens, null, at(t.adapterSeed(), 1));
        float[] dqkv = new float[tokens * ld];
        attention.backward(new Attention.Rows(t.qkv(), 0, ld, seq * ld), new Attention.Rows(t.qkv(), qDim, ld, seq * ld),
                new Attention.Rows(t.qkv(), qDim + kvDim, ld, seq * ld), batch, seq, seq, t.probs(), null, null,
                new Attention.Rows(dContext, 0, qDim, seq * qDim), dProbs, new Attention.Rows(dqkv, 0, ld, seq * ld),
                new Attention.Rows(dqkv, qDim, ld, seq * ld), new Attention.Rows(dqkv, qDim + kvDim, ld, seq * ld));
        rope.rotate(dqkv, 0, ld, batch, seq, t.firstPosition(), attention.heads(), true);
        rope.rotate(dqkv, qDim, ld, batch, seq, t.firstPosition(), attention.kvHeads(), true);
        float[] dNormed = qkv.backward(t.normed(), 0, hidden, dqkv, tokens, null, at(t.adapterSeed(), 0));
        float[] dx = inputNorm.backward(t.x(), t.rstd1(), dNormed, tokens);
        for (int i = 0; i < dx.length; i++) {
            dx[i] += dh[i];
        }
        return dx;
    }
}
