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
        Linear linear = new Linear("l", 5, 4, new SplittableRandom(1));
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
    void selfAttentionWithPaddingAndDropout() {
        int batch = 2;
        int seq = 4;
        int hidden = 8;
        SplittableRandom init = new SplittableRandom(1);
        SelfAttention attention = new SelfAttention(new Linear("q", hidden, hidden, init),
                new Linear("k", hidden, hidden, init), new Linear("v", hidden, hidden, init),
                new Linear("o", hidden, hidden, init), 2, 0.3f);
        randomise(attention.parameters(), 0.5, 2);
        float[] x = randomArray(batch * seq * hidden, 1.0, 3);
        float[] maskAdd = SelfAttention.additiveMask(new int[] {1, 1, 1, 1, 1, 1, 0, 0});
        double[] c = projection(x.length, 4);
        // A fresh generator with the same seed per evaluation draws the same dropout masks.
        java.util.function.Supplier<Double> loss = () ->
                project(attention.forwardTrain(x, maskAdd, batch, seq, new SplittableRandom(9)).y(), c);
        SelfAttention.Trace t = attention.forwardTrain(x, maskAdd, batch, seq, new SplittableRandom(9));
        float[] dx = attention.backward(t, toFloat(c), null);
        for (Parameter p : attention.parameters()) {
            check("attention " + p.name(), p.data(), p.grad().data(), loss);
        }
        check("attention dx", x, dx, loss);
    }

    @Test
    void encoderLayerWithDropout() {
        int batch = 2;
        int seq = 3;
        int hidden = 8;
        SplittableRandom init = new SplittableRandom(1);
        SelfAttention attention = new SelfAttention(new Linear("q", hidden, hidden, init),
                new Linear("k", hidden, hidden, init), new Linear("v", hidden, hidden, init),
                new Linear("o", hidden, hidden, init), 2, 0.2f);
        EncoderLayer layer = new EncoderLayer(attention, new LayerNorm("ln1.LayerNorm", hidden, 1e-12f),
                new Linear("i", hidden, 12, init), new Linear("out", 12, hidden, init),
                new LayerNorm("ln2.LayerNorm", hidden, 1e-12f), 0.2f, 0.2f);
        List<Parameter> params = new ArrayList<>(layer.parameters());
        randomise(params, 0.5, 2);
        float[] x = randomArray(batch * seq * hidden, 1.0, 3);
        float[] maskAdd = SelfAttention.additiveMask(new int[] {1, 1, 1, 1, 1, 0});
        double[] c = projection(x.length, 4);
        java.util.function.Supplier<Double> loss = () ->
                project(layer.forwardTrain(x, maskAdd, batch, seq, new SplittableRandom(5)).y(), c);
        float[] dx = layer.backward(layer.forwardTrain(x, maskAdd, batch, seq, new SplittableRandom(5)), toFloat(c));
        for (Parameter p : params) {
            check("encoder layer " + p.name(), p.data(), p.grad().data(), loss);
        }
        check("encoder layer dx", x, dx, loss);
        assertArrayEquals(layer.forward(x, maskAdd, batch, seq),
                layer.forwardTrain(x, maskAdd, batch, seq, null).y(), "evaluation-mode trace equals inference");
    }
}
