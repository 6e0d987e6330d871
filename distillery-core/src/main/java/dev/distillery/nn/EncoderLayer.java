package dev.distillery.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One post-LN transformer encoder layer, as HF {@code BertLayer} and DistilBERT's
 * {@code TransformerBlock}:
 * <pre>
 *   h = LN₁(dropout₁(attention(x)) + x)
 *   y = LN₂(dropout₂(W₂ · gelu(W₁ · h)) + h)
 * </pre>
 * BERT applies hidden dropout at both places; DistilBERT has none after attention, so
 * {@code attentionOutputDropout} is 0 there.
 */
public final class EncoderLayer {
    private final SelfAttention attention;
    private final LayerNorm attentionNorm;
    private final Linear intermediate;
    private final Linear output;
    private final LayerNorm outputNorm;
    private final float attentionOutputDropout;
    private final float outputDropout;

    /** Everything backward needs; {@code norm2.y()} is the layer output. */
    public record Trace(SelfAttention.Trace attention, float[] attentionDropMask, LayerNorm.Trace norm1,
                        float[] intermediate, float[] activated, float[] outputDropMask, LayerNorm.Trace norm2) {
        public float[] y() {
            return norm2.y();
        }
    }

    public EncoderLayer(SelfAttention attention, LayerNorm attentionNorm, Linear intermediate, Linear output,
                        LayerNorm outputNorm, float attentionOutputDropout, float outputDropout) {
        this.attention = attention;
        this.attentionNorm = attentionNorm;
        this.intermediate = intermediate;
        this.output = output;
        this.outputNorm = outputNorm;
        this.attentionOutputDropout = attentionOutputDropout;
        this.outputDropout = outputDropout;
    }

    /** Parameters in the order HF lists them for a BERT layer. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(attention.parameters());
        all.addAll(attentionNorm.parameters());
        all.addAll(intermediate.parameters());
        all.addAll(output.parameters());
        all.addAll(outputNorm.parameters());
        return all;
    }

    /**
     * A read-only snapshot of this layer's weights, pre-packed for fast inference; later changes
     * to the parameters (training) are not seen by it.
     */
    public FrozenEncoderLayer freeze() {
        return new FrozenEncoderLayer(attention, attentionNorm, intermediate, output, outputNorm);
    }

    /** Stateless inference on x [batch·seq, hidden] with an additive key mask [batch, seq]. */
    public float[] forward(float[] x, float[] maskAdd, int batch, int seq) {
        int tokens = batch * seq;
        float[] a = attention.forward(x, maskAdd, batch, seq);
        addInPlace(a, x);
        float[] h = attentionNorm.forward(a, tokens);
        float[] f = output.forward(Activations.gelu(intermediate.forward(h, tokens)), tokens);
        addInPlace(f, h);
        return outputNorm.forward(f, tokens);
    }

    /** As {@link #forward}, with dropout when {@code rng} is non-null, keeping what backward needs. */
    public Trace forwardTrain(float[] x, float[] maskAdd, int batch, int seq, SplittableRandom rng) {
        int tokens = batch * seq;
        SelfAttention.Trace at = attention.forwardTrain(x, maskAdd, batch, seq, rng);
        float[] attentionDropMask = Dropout.mask(at.y().length, attentionOutputDropout, rng);
        float[] r1 = Dropout.apply(at.y().clone(), attentionDropMask);
        addInPlace(r1, x);
        LayerNorm.Trace n1 = attentionNorm.forwardTrain(r1, tokens);
        float[] inter = intermediate.forward(n1.y(), tokens);
        float[] activated = Activations.gelu(inter);
        float[] r2 = output.forward(activated, tokens);
        float[] outputDropMask = Dropout.mask(r2.length, outputDropout, rng);
        Dropout.apply(r2, outputDropMask);
        addInPlace(r2, n1.y());
        LayerNorm.Trace n2 = outputNorm.forwardTrain(r2, tokens);
        return new Trace(at, attentionDropMask, n1, inter, activated, outputDropMask, n2);
    }

    /** Accumulates every parameter gradient of the layer and returns dx [batch·seq, hidden]. */
    public float[] backward(Trace t, float[] dy) {
        return backward(t, dy, null);
    }

    /** As {@link #backward(Trace, float[])}, plus a gradient on the attention probabilities (may be null). */
    public float[] backward(Trace t, float[] dy, float[] dAttentionProbs) {
        int tokens = t.norm1().rows();
        float[] dr2 = outputNorm.backward(t.norm2(), dy);
        float[] dh = dr2.clone();
        Dropout.apply(dr2, t.outputDropMask());
        float[] dActivated = output.backward(t.activated(), dr2, tokens, null);
        float[] dInter = Activations.geluBackward(t.intermediate(), dActivated);
        intermediate.backward(t.norm1().y(), dInter, tokens, dh);
        float[] dr1 = attentionNorm.backward(t.norm1(), dh);
        float[] dx = dr1.clone();
        Dropout.apply(dr1, t.attentionDropMask());
        return attention.backward(t.attention(), dr1, dx, dAttentionProbs);
    }

    private static void addInPlace(float[] acc, float[] x) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += x[i];
        }
    }
}
