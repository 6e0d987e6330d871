package dev.distillery.nn;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.distillery.nn.GradCheck.check;
import static dev.distillery.nn.GradCheck.project;
import static dev.distillery.nn.GradCheck.projection;
import static dev.distillery.nn.GradCheck.randomArray;
import static dev.distillery.nn.GradCheck.randomise;
import static dev.distillery.nn.GradCheck.toFloat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every layer's backward against central finite differences on tiny shapes (tolerances in {@link GradCheck}). */
class LayerGradientTest {

    @Test
    void linear() {
        int rows = 3;
        Linear linear = Linear.random("l", 5, 4, new SplittableRandom(1));
        randomise(linear.parameters(), 0.5, 2);
        float[] x = randomArray(rows * 5, 1.0, 3);
        double[] c = projection(rows * 4, 4);
        linear.backward(x, toFloat(c), rows, null);
        float[] dx = linear.backward(x, toFloat(c), rows, null);
        for (Parameter p : linear.parameters()) {
            float[] twice = p.grad().data();
            float[] once = new float[twice.length];
            for (int i = 0; i < once.length; i++) {
                once[i] = twice[i] / 2; // two backward calls must accumulate
            }
            check("linear " + p.name(), p.data(), once, () -> project(linear.forward(x, rows), c));
        }
        check("linear dx", x, dx, () -> project(linear.forward(x, rows), c));
    }

    @Test
    void embeddingScattersRepeatsAndSkipsPadding() {
        Embedding emb = new Embedding("e", 6, 3, 0, new SplittableRandom(1));
        randomise(emb.parameters(), 1.0, 2);
        int[] ids = {2, 5, 2, 0, 1};
        double[] c = projection(ids.length * 3, 3);
        emb.backward(ids, toFloat(c));
        float[] grad = emb.weight().grad().data();
        float[] padRow = {grad[0], grad[1], grad[2]};
        assertArrayEquals(new float[3], padRow, "padding row receives no gradient, as nn.Embedding(padding_idx=0)");
        // Finite differences on the non-padding rows only: the padding row is used but frozen.
        float[] w = emb.weight().data();
        float[] rest = java.util.Arrays.copyOfRange(w, 3, w.length);
        float[] restGrad = java.util.Arrays.copyOfRange(grad, 3, grad.length);
        check("embedding", rest, restGrad, () -> {
            System.arraycopy(rest, 0, w, 3, rest.length);
            float[] out = new float[ids.length * 3];
            emb.addTo(ids, out);
            return project(out, c);
        });
    }

    @Test
    void layerNorm() {
        int rows = 4;
        LayerNorm ln = new LayerNorm("ln", 6, 1e-5f);
        randomise(ln.parameters(), 0.5, 1);
        float[] x = randomArray(rows * 6, 2.0, 2);
        double[] c = projection(rows * 6, 3);
        float[] dx = ln.backward(ln.forwardTrain(x, rows), toFloat(c));
        assertArrayEquals(ln.forward(x, rows), ln.forwardTrain(x, rows).y(), "train and inference forward agree");
        for (Parameter p : ln.parameters()) {
            check("layer norm " + p.name(), p.data(), p.grad().data(), () -> project(ln.forward(x, rows), c));
        }
        check("layer norm dx", x, dx, () -> project(ln.forward(x, rows), c));
    }

    @Test
    void activations() {
        float[] x = randomArray(40, 1.5, 1);
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i]) < 0.05f) {
                x[i] += 0.1f; // keep ReLU's kink outside the finite-difference step
            }
        }
        double[] c = projection(x.length, 2);
        float[] dy = toFloat(c);
        check("gelu", x, Activations.geluBackward(x, dy), () -> project(Activations.gelu(x), c));
        check("relu", x, Activations.reluBackward(x, dy), () -> project(Activations.relu(x), c));
        check("tanh", x, Activations.tanhBackward(Activations.tanh(x), dy), () -> project(Activations.tanh(x), c));
    }

    @Test
    void dropoutScalesSurvivorsAndIsIdentityWhenOff() {
        assertEquals(null, Dropout.mask(10, 0.5f, null), "no generator means evaluation mode");
        assertEquals(null, Dropout.mask(10, 0f, new SplittableRandom(1)), "p = 0 needs no mask");
        float[] mask = Dropout.mask(10_000, 0.25f, new SplittableRandom(1));
        int kept = 0;
        for (float m : mask) {
            if (m != 0f) {
                assertEquals(1f / 0.75f, m, "survivors are scaled by 1/(1-p)");
                kept++;
            }
        }
        // Binomial(10000, 0.75): standard deviation 43, so ±300 is a 7σ band.
        assertEquals(7500, kept, 300, "kept fraction");
    }

    @Test
    void fusedPartsKeepTheirOwnTensors() {
        int rows = 3;
        Linear fused = Linear.random(List.of("a", "b", "c"), 5, new int[] {2, 3, 1}, true, 0.5f, new SplittableRandom(1));
        randomise(fused.parameters(), 0.5, 2);
        assertEquals(List.of("a.weight", "a.bias", "b.weight", "b.bias", "c.weight", "c.bias"),
                fused.parameters().stream().map(Parameter::name).toList());
        float[] x = randomArray(rows * 5, 1.0, 3);
        double[] c = projection(rows * 6, 4);
        float[] dx = fused.backward(x, toFloat(c), rows, null);
        for (Parameter p : fused.parameters()) {
            check("fused " + p.name(), p.data(), p.grad().data(), () -> project(fused.forward(x, rows), c));
        }
        check("fused dx", x, dx, () -> project(fused.forward(x, rows), c));
        // the packed snapshot computes the same product up to summation order
        dev.distillery.testing.Numerics.assertClose(fused.forward(x, rows), fused.freeze().forward(x, rows), 1e-5, 1e-6,
                "frozen fused projection");
    }

    @Test
    void attentionWithPaddingAndDropout() {
        attention(2, 2, false, new int[] {1, 1, 1, 1, 1, 1, 0, 0}, 0.3f);
    }

    @Test
    void groupedQueryCausalAttention() {
        attention(4, 2, true, null, 0f);
    }

    /** Gradients of q, k and v through {@link Attention} (with probabilities kept) against finite differences. */
    private static void attention(int heads, int kvHeads, boolean causal, int[] mask, float dropout) {
        int batch = 2;
        int seq = 4;
        int d = 3;
        Attention attention = new Attention(heads, kvHeads, d, causal);
        float[] q = randomArray(batch * seq * heads * d, 1.0, 3);
        float[] k = randomArray(batch * seq * kvHeads * d, 1.0, 4);
        float[] v = randomArray(batch * seq * kvHeads * d, 1.0, 5);
        float[] maskAdd = mask == null ? null : Attention.additiveMask(mask);
        float[] dropMask = Dropout.mask(batch * heads * seq * seq, dropout, new SplittableRandom(9));
        double[] c = projection(batch * seq * heads * d, 6);
        java.util.function.Supplier<float[]> forward = () -> {
            float[] context = new float[batch * seq * heads * d];
            float[] probs = new float[batch * heads * seq * seq];
            attention.forward(rows(q, heads * d, seq), rows(k, kvHeads * d, seq), rows(v, kvHeads * d, seq), batch, seq,
                    seq, 0, maskAdd, rows(context, heads * d, seq), probs, dropMask,
                    dropMask == null ? null : new float[probs.length]);
            return context;
        };
        float[] probs = new float[batch * heads * seq * seq];
        float[] dropped = dropMask == null ? null : new float[probs.length];
        float[] context = new float[batch * seq * heads * d];
        attention.forward(rows(q, heads * d, seq), rows(k, kvHeads * d, seq), rows(v, kvHeads * d, seq), batch, seq, seq,
                0, maskAdd, rows(context, heads * d, seq), probs, dropMask, dropped);
        float[] dq = new float[q.length];
        float[] dk = new float[k.length];
        float[] dv = new float[v.length];
        attention.backward(rows(q, heads * d, seq), rows(k, kvHeads * d, seq), rows(v, kvHeads * d, seq), batch, seq, seq,
                probs, dropMask, dropped, rows(toFloat(c), heads * d, seq), null, rows(dq, heads * d, seq),
                rows(dk, kvHeads * d, seq), rows(dv, kvHeads * d, seq));
        String what = heads + "/" + kvHeads + " heads" + (causal ? ", causal" : "");
        check("attention dq, " + what, q, dq, () -> project(forward.get(), c));
        check("attention dk, " + what, k, dk, () -> project(forward.get(), c));
        check("attention dv, " + what, v, dv, () -> project(forward.get(), c));
        if (causal) {
            for (int h = 0; h < heads; h++) {
                assertEquals(0f, probs[(h * seq) * seq + 1], "the first query sees no later key");
            }
        }
    }

    private static Attention.Rows rows(float[] data, int width, int seq) {
        return new Attention.Rows(data, 0, width, seq * width);
    }

    @Test
    void encoderBlockWithDropout() {
        int batch = 2;
        int seq = 3;
        int hidden = 8;
        SplittableRandom init = new SplittableRandom(1);
        EncoderBlock block = new EncoderBlock(
                Linear.random(List.of("q", "k", "v"), hidden, new int[] {hidden, hidden, hidden}, true, 0.02f, init),
                Linear.random("o", hidden, hidden, init), new LayerNorm("ln1.LayerNorm", hidden, 1e-12f),
                Linear.random("i", hidden, 12, init), Linear.random("out", 12, hidden, init),
                new LayerNorm("ln2.LayerNorm", hidden, 1e-12f), 2, 0.2f, 0.2f, 0.2f);
        List<Parameter> params = new ArrayList<>(block.parameters());
        randomise(params, 0.5, 2);
        float[] x = randomArray(batch * seq * hidden, 1.0, 3);
        float[] maskAdd = Attention.additiveMask(new int[] {1, 1, 1, 1, 1, 0});
        double[] c = projection(x.length, 4);
        java.util.function.Supplier<Double> loss = () ->
                project(block.forward(x, maskAdd, batch, seq, new SplittableRandom(5), true, null).y(), c);
        float[] dx = block.backward(block.forward(x, maskAdd, batch, seq, new SplittableRandom(5), true, null), toFloat(c));
        for (Parameter p : params) {
            check("encoder block " + p.name(), p.data(), p.grad().data(), loss);
        }
        check("encoder block dx", x, dx, loss);
        float[] inPlace = x.clone();
        block.forward(inPlace, maskAdd, batch, seq, null, false, new EncoderBlock.Workspace());
        assertArrayEquals(block.forward(x, maskAdd, batch, seq, null, true, null).y(), inPlace,
                "the evaluation-mode trace equals the in-place inference pass bit for bit");
    }

    @Test
    void rmsNorm() {
        int rows = 3;
        RmsNorm norm = new RmsNorm("n", 6, 1e-5f);
        randomise(norm.parameters(), 0.5, 1);
        float[] x = randomArray(rows * 6, 2.0, 2);
        double[] c = projection(rows * 6, 3);
        java.util.function.Supplier<Double> loss = () -> {
            float[] y = new float[x.length];
            norm.forward(x, y, 0, rows, null);
            return project(y, c);
        };
        float[] rstd = new float[rows];
        norm.forward(x, new float[x.length], 0, rows, rstd);
        float[] dx = norm.backward(x, rstd, toFloat(c), rows);
        check("rms norm weight", norm.weight().data(), norm.weight().grad().data(), loss);
        check("rms norm dx", x, dx, loss);
    }

    @Test
    void rotaryInverseIsTheTransposeAndPositionZeroIsTheIdentity() {
        Rope rope = new Rope(8, 10000, new Rope.Llama3Scaling(4, 1, 4, 16), 32);
        float[] x = randomArray(2 * 3 * 16, 1.0, 4); // batch 2, seq 3, two heads of 8
        float[] y = x.clone();
        rope.rotate(y, 0, 16, 2, 3, 5, 2, false);
        double[] c = projection(y.length, 5);
        // the backward pass is the inverse rotation of the output gradient
        float[] dx = toFloat(c);
        rope.rotate(dx, 0, 16, 2, 3, 5, 2, true);
        check("rotary dx", x, dx, () -> {
            float[] r = x.clone();
            rope.rotate(r, 0, 16, 2, 3, 5, 2, false);
            return project(r, c);
        });
        rope.rotate(y, 0, 16, 2, 3, 5, 2, true);
        dev.distillery.testing.Numerics.assertClose(x, y, 1e-6, 1e-6, "rotation then its inverse");
        float[] first = x.clone();
        rope.rotate(first, 0, 16, 1, 1, 0, 2, false);
        assertArrayEquals(x, first, "position 0 rotates by no angle");
    }
}
