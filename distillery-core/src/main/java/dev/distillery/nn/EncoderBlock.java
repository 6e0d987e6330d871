package dev.distillery.nn;

import dev.distillery.kernel.Epilogue;
import dev.distillery.kernel.KernelProvider;
import dev.distillery.kernel.Kernels;
import dev.distillery.kernel.Parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One post-LN transformer encoder block, as HF {@code BertLayer} and DistilBERT's
 * {@code TransformerBlock} (Devlin et al., "BERT", 2019):
 * <pre>
 *   q, k, v = split(x · [Wq; Wk; Wv]ᵀ + [bq; bk; bv])
 *   h = LN₁(x + dropout₁(softmax(q·kᵀ/√d + mask)·v · Woᵀ + bo))
 *   y = LN₂(h + dropout₂(gelu(h · W₁ᵀ + b₁) · W₂ᵀ + b₂))
 * </pre>
 * BERT applies hidden dropout at both places; DistilBERT has none after attention (its family
 * passes 0). Attention probabilities get their own dropout in training.
 *
 * <p>One forward pass serves training and inference. What differs is where results go: with
 * {@code keep} every intermediate lands in a fresh array that the returned {@link Trace} holds for
 * {@link #backward}; without it the pass reuses the caller's {@link Workspace} and writes the
 * block's output over its input, allocating nothing. Dropout runs only when a generator is given.
 * The kernel calls are the same in both cases: the fused QKV product, attention per (sequence,
 * head) read in place, the output projection onto the residual, LayerNorm, the first FFN product,
 * GELU, the second FFN product onto the residual, LayerNorm; biases and residuals are written into
 * a product's output before the product is added onto them.
 *
 * <p>A block is frozen (every projection a packed {@code LinearWeight}, no parameters),
 * trainable (FP32 masters) or LoRA-adapted (frozen projections with trainable adapters, whose
 * dropout draws from the pass's generator); {@link #freeze()} gives a frozen block from the others.
 */
public final class EncoderBlock {
    private final Linear qkv;          // [3·inner, hidden]: Q, K, V stacked (inner = hidden unless heads were pruned)
    private final Linear attentionOut; // [hidden, inner]
    private final LayerNorm attentionNorm;
    private final Linear intermediate; // [ffn, hidden]
    private final Linear output;       // [hidden, ffn]
    private final LayerNorm outputNorm;
    private final Attention attention;
    private final int hidden;
    private final int inner;
    private final int ffn;
    private final float attentionDropout;
    private final float attentionOutputDropout;
    private final float outputDropout;

    /**
     * Scratch arrays one thread reuses across blocks and calls, grown on demand: at batch 32 of
     * 64 tokens they hold 50 MB that would otherwise be allocated and zeroed on every block.
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
     * Everything backward needs; {@code y} [tokens, hidden] is the block's output and
     * {@code probs} [batch, heads, seq, seq] its attention probabilities.
     */
    public record Trace(float[] x, float[] qkv, float[] probs, float[] probsDropMask, float[] probsDropped,
                        float[] context, float[] attentionDropMask, float[] r1, float[] mean1, float[] rstd1,
                        float[] h, float[] inter, float[] activated, float[] outputDropMask, float[] r2,
                        float[] mean2, float[] rstd2, float[] y, int batch, int seq, DropoutSeed adapterSeed) {
    }

    /**
     * @param qkv                    Q, K and V stacked along out, [3·inner, hidden]
     * @param attentionDropout       on the attention probabilities
     * @param attentionOutputDropout on the attention branch before its residual (0 for DistilBERT)
     * @param outputDropout          on the feed-forward branch before its residual
     */
    public EncoderBlock(Linear qkv, Linear attentionOut, LayerNorm attentionNorm, Linear intermediate, Linear output,
                        LayerNorm outputNorm, int heads, float attentionDropout, float attentionOutputDropout,
                        float outputDropout) {
        this.hidden = attentionOut.out();
        this.inner = attentionOut.in();
        this.ffn = intermediate.out();
        if (heads <= 0 || inner % heads != 0) {
            throw new IllegalArgumentException("attention width " + inner + " does not split into " + heads + " heads");
        }
        if (qkv.out() != 3 * inner || qkv.in() != hidden || intermediate.in() != hidden || output.in() != ffn
                || output.out() != hidden || attentionNorm.dim() != hidden || outputNorm.dim() != hidden) {
            throw new IllegalArgumentException("block projections do not chain: qkv " + qkv + ", attention output "
                    + attentionOut + ", intermediate " + intermediate + ", output " + output + ", norms of "
                    + attentionNorm.dim() + " and " + outputNorm.dim());
        }
        this.qkv = qkv;
        this.attentionOut = attentionOut;
        this.attentionNorm = attentionNorm;
        this.intermediate = intermediate;
        this.output = output;
        this.outputNorm = outputNorm;
        this.attention = new Attention(heads, heads, inner / heads, false);
        this.attentionDropout = attentionDropout;
        this.attentionOutputDropout = attentionOutputDropout;
        this.outputDropout = outputDropout;
    }

    /** Trainable parameters in the order Hugging Face lists them; empty when frozen. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(qkv.parameters());
        all.addAll(attentionOut.parameters());
        all.addAll(attentionNorm.parameters());
        all.addAll(intermediate.parameters());
        all.addAll(output.parameters());
        all.addAll(outputNorm.parameters());
        return all;
    }

    public int heads() {
        return attention.heads();
    }

    /** A frozen snapshot: projections packed (Q, K and V as one product), vectors copied. */
    public EncoderBlock freeze() {
        return new EncoderBlock(qkv.freeze(), attentionOut.freeze(), attentionNorm.freeze(), intermediate.freeze(),
                output.freeze(), outputNorm.freeze(), attention.heads(), attentionDropout, attentionOutputDropout,
                outputDropout);
    }

    /** Bytes of weights held: linear weights as their formats keep them, FP32 biases and norms. */
    public long bytes() {
        return qkv.bytes() + attentionOut.bytes() + intermediate.bytes() + output.bytes() + attentionNorm.bytes()
                + outputNorm.bytes();
    }

    /** Weights and biases, counted one each whatever their format. */
    public long parameterCount() {
        return qkv.parameterCount() + attentionOut.parameterCount() + intermediate.parameterCount()
                + output.parameterCount() + 4L * hidden;
    }

    /**
     * The block on x [batch·seq, hidden] with the additive key mask [batch, seq] of
     * {@link Attention#additiveMask}.
     *
     * @param rng  dropout generator (training mode), or null (evaluation mode)
     * @param keep true to keep activations for {@link #backward} (x is left intact and the output
     *             is {@code trace.y()}); false to write the output over x using {@code ws}
     * @return the trace when {@code keep}, else null
     */
    public Trace forward(float[] x, float[] maskAdd, int batch, int seq, SplittableRandom rng, boolean keep,
                         Workspace ws) {
        int tokens = batch * seq;
        int heads = attention.heads();
        // Masks are drawn first, in one fixed order, so a seed gives the same masks whatever the threads.
        float[] probsDropMask = Dropout.mask(batch * heads * seq * seq, attentionDropout, rng);
        float[] attentionDropMask = Dropout.mask(tokens * hidden, attentionOutputDropout, rng);
        float[] outputDropMask = Dropout.mask(tokens * hidden, outputDropout, rng);
        // Drawn only when an adapter has dropout, so models without one keep their generator's sequence.
        DropoutSeed seed = drawsDropout() ? DropoutSeed.draw(rng) : null;
        if (!keep) {
            ws.ensure(tokens, hidden, inner, ffn);
            if (qkv.frozenOnly() && attentionOut.frozenOnly() && intermediate.frozenOnly() && output.frozenOnly()
                    && probsDropMask == null && attentionDropMask == null && outputDropMask == null) {
                forwardFrozen(x, maskAdd, batch, seq, ws);
                return null;
            }
        }
        Kernels k = KernelProvider.get();
        float[] qkvOut = keep ? new float[tokens * 3 * inner] : ws.qkv;
        float[] context = keep ? new float[tokens * inner] : ws.context;
        float[] probs = keep ? new float[batch * heads * seq * seq] : null;
        float[] probsDropped = probsDropMask != null ? new float[probs.length] : probs;
        float[] r1 = keep ? new float[tokens * hidden] : ws.residual;
        float[] h = keep ? new float[tokens * hidden] : x;
        float[] inter = keep ? new float[tokens * ffn] : ws.inter;
        float[] activated = keep ? new float[tokens * ffn] : inter;
        float[] r2 = keep ? new float[tokens * hidden] : ws.residual;
        float[] y = keep ? new float[tokens * hidden] : x;
        float[] mean1 = keep ? new float[tokens] : null;
        float[] rstd1 = keep ? new float[tokens] : null;
        float[] mean2 = keep ? new float[tokens] : null;
        float[] rstd2 = keep ? new float[tokens] : null;

        qkv.forward(x, 0, hidden, qkvOut, tokens, null, at(seed, 0));
        int ld = 3 * inner;
        attention.forward(new Attention.Rows(qkvOut, 0, ld, seq * ld), new Attention.Rows(qkvOut, inner, ld, seq * ld),
                new Attention.Rows(qkvOut, 2 * inner, ld, seq * ld), batch, seq, seq, 0, maskAdd,
                new Attention.Rows(context, 0, inner, seq * inner), probs, probsDropMask, probsDropped);
        attentionOut.forward(context, 0, inner, r1, tokens, attentionDropMask == null ? x : null, at(seed, 1));
        dropoutOnto(r1, attentionDropMask, x);
        rows(tokens, ffn, keep, (from, to) -> {
            attentionNorm.forward(r1, from * hidden, h, from * hidden, to - from, mean1, rstd1);
            intermediate.prefill(inter, null, from, to);
        });
        intermediate.multiplyAdd(h, 0, hidden, inter, tokens, at(seed, 2));
        rows(tokens, ffn, keep, (from, to) -> {
            k.gelu(inter, from * ffn, activated, from * ffn, (to - from) * ffn);
            output.prefill(r2, outputDropMask == null ? h : null, from, to);
        });
        output.multiplyAdd(activated, 0, ffn, r2, tokens, at(seed, 3));
        dropoutOnto(r2, outputDropMask, h);
        rows(tokens, hidden, keep, (from, to) ->
                outputNorm.forward(r2, from * hidden, y, from * hidden, to - from, mean2, rstd2));
        return keep ? new Trace(x, qkvOut, probs, probsDropMask, probsDropped, context, attentionDropMask, r1, mean1,
                rstd1, h, inter, activated, outputDropMask, r2, mean2, rstd2, y, batch, seq, seed) : null;
    }

    private boolean drawsDropout() {
        return qkv.drawsDropout() || attentionOut.drawsDropout() || intermediate.drawsDropout() || output.drawsDropout();
    }

    private static DropoutSeed at(DropoutSeed seed, int site) {
        return seed == null ? null : seed.at(site);
    }

    /**
     * Inference of a frozen block, written over x: biases and the GELU in the products' epilogues,
     * each residual sum formed inside its layer norm, attention one fused kernel per head. Equal to
     * the general path up to summation order (the bias is added after the product, not before).
     */
    private void forwardFrozen(float[] x, float[] maskAdd, int batch, int seq, Workspace ws) {
        int tokens = batch * seq;
        int ld = 3 * inner;
        qkv.forwardFrozen(x, 0, hidden, ws.qkv, tokens, Epilogue.Activation.NONE);
        attention.forwardFused(ws.qkv, ld, inner, 2 * inner, batch, seq, maskAdd, ws.context, inner);
        float[] branch = ws.residual;
        attentionOut.forwardFrozen(ws.context, 0, inner, branch, tokens, Epilogue.Activation.NONE);
        rows(tokens, hidden, false, (from, to) -> attentionNorm.forwardResidual(branch, from * hidden, x,
                from * hidden, x, from * hidden, to - from));
        intermediate.forwardFrozen(x, 0, hidden, ws.inter, tokens, Epilogue.Activation.GELU);
        output.forwardFrozen(ws.inter, 0, ffn, branch, tokens, Epilogue.Activation.NONE);
        rows(tokens, hidden, false, (from, to) -> outputNorm.forwardResidual(branch, from * hidden, x,
                from * hidden, x, from * hidden, to - from));
    }

    /**
     * branch = branch ⊙ mask + residual, for a branch computed without its residual because
     * dropout must scale it alone; nothing to do without a mask (the residual was prefilled).
     */
    private static void dropoutOnto(float[] branch, float[] dropMask, float[] residual) {
        if (dropMask != null) {
            for (int i = 0; i < dropMask.length; i++) {
                branch[i] = branch[i] * dropMask[i] + residual[i];
            }
        }
    }

    /** Runs a row pass on the team when it is big enough to repay the hand-off and keeps no per-row statistics. */
    private static void rows(int rows, int cols, boolean keep, Parallel.RangeBody body) {
        if (keep || (long) rows * cols < Linear.PARALLEL_ELEMENTS) {
            body.run(0, rows);
        } else {
            Parallel.forRange(rows, body);
        }
    }

    /** Accumulates every parameter gradient of the block and returns dx [batch·seq, hidden]. */
    public float[] backward(Trace t, float[] dy) {
        return backward(t, dy, null);
    }

    /** As {@link #backward(Trace, float[])}, plus a gradient on the attention probabilities (may be null). */
    public float[] backward(Trace t, float[] dy, float[] dAttentionProbs) {
        int tokens = t.batch() * t.seq();
        int seq = t.seq();
        float[] dr2 = outputNorm.backward(t.r2(), t.mean2(), t.rstd2(), dy, tokens);
        float[] dh = dr2.clone();
        Dropout.apply(dr2, t.outputDropMask());
        float[] dActivated = output.backward(t.activated(), 0, ffn, dr2, tokens, null, at(t.adapterSeed(), 3));
        float[] dInter = new float[dActivated.length];
        KernelProvider.get().geluBackward(t.inter(), 0, dActivated, 0, dInter, 0, dInter.length, false);
        intermediate.backward(t.h(), 0, hidden, dInter, tokens, dh, at(t.adapterSeed(), 2));
        float[] dr1 = attentionNorm.backward(t.r1(), t.mean1(), t.rstd1(), dh, tokens);
        float[] dx = dr1.clone();
        Dropout.apply(dr1, t.attentionDropMask());
        float[] dContext = attentionOut.backward(t.context(), 0, inner, dr1, tokens, null, at(t.adapterSeed(), 1));
        int ld = 3 * inner;
        float[] dqkv = new float[tokens * ld];
        attention.backward(new Attention.Rows(t.qkv(), 0, ld, seq * ld), new Attention.Rows(t.qkv(), inner, ld, seq * ld),
                new Attention.Rows(t.qkv(), 2 * inner, ld, seq * ld), t.batch(), seq, seq, t.probs(),
                t.probsDropMask(), t.probsDropped(), new Attention.Rows(dContext, 0, inner, seq * inner),
                dAttentionProbs, new Attention.Rows(dqkv, 0, ld, seq * ld), new Attention.Rows(dqkv, inner, ld, seq * ld),
                new Attention.Rows(dqkv, 2 * inner, ld, seq * ld));
        return qkv.backward(t.x(), 0, hidden, dqkv, tokens, dx, at(t.adapterSeed(), 0));
    }
}
