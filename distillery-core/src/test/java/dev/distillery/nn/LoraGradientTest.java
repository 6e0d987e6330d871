package dev.distillery.nn;

import static dev.distillery.nn.GradCheck.check;
import static dev.distillery.nn.GradCheck.project;
import static dev.distillery.nn.GradCheck.projection;
import static dev.distillery.nn.GradCheck.randomArray;
import static dev.distillery.nn.GradCheck.randomise;
import static dev.distillery.nn.GradCheck.toFloat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.kernel.LinearWeight;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedWeightSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

/**
 * The LoRA form of {@link Linear} against central finite differences (tolerances in
 * {@link GradCheck}): A, B, trained biases and dx, with and without dropout, on a packed FP32 base
 * and on an NF4 base (whose dx comes from the 4-bit weight itself); a LoRA decoder block likewise.
 */
class LoraGradientTest {
    private static final int IN = 6;
    private static final int[] OUTS = {4, 3, 5};

    /** Three fused parts (q, k, v): adapters on q and v only, the biases of those two training. */
    private static Linear lora(LinearWeight base, float dropout) {
        SplittableRandom rng = new SplittableRandom(7);
        float[][] biases = {randomArray(4, 0.5, 11), randomArray(3, 0.5, 12), randomArray(5, 0.5, 13)};
        Linear frozen = Linear.frozen(List.of("q", "k", "v"), OUTS, base, biases);
        List<LoraAdapter> adapters = Arrays.asList(LoraAdapter.create("q", IN, 4, 2, 4f, dropout, rng), null,
                LoraAdapter.create("v", IN, 5, 2, 4f, dropout, rng));
        Linear l = frozen.withAdapters(adapters, new boolean[] {true, false, true});
        for (Parameter p : l.parameters()) {
            if (p.name().endsWith("lora_B.weight")) {
                randomise(List.of(p), 0.5, p.name().hashCode()); // B starts at zero; make A's gradient non-trivial
            }
        }
        return l;
    }

    private static float[] baseWeights() {
        return randomArray(12 * IN, 0.5, 5);
    }

    @Test
    void adapterBiasAndInputGradientsOnAnFp32Base() {
        gradients("fp32 base", LinearWeight.fp32(baseWeights(), 12, IN), 0f);
        gradients("fp32 base, dropout", LinearWeight.fp32(baseWeights(), 12, IN), 0.3f);
    }

    @Test
    void adapterBiasAndInputGradientsOnAnNf4Base() {
        LinearWeight nf4 = QuantizedWeightSource.blocked(QuantScheme.NF4_DQ.quantize(baseWeights(), 12, IN));
        gradients("nf4-dq base, dropout", nf4, 0.3f);
    }

    private static void gradients(String what, LinearWeight base, float dropout) {
        int rows = 5;
        Linear l = lora(base, dropout);
        List<String> names = l.parameters().stream().map(Parameter::name).toList();
        assertEquals(List.of("q.lora_A.weight", "q.lora_B.weight", "q.bias", "v.lora_A.weight", "v.lora_B.weight",
                "v.bias"), names, "only the adapters and the adapted parts' biases train");
        float[] x = randomArray(rows * IN, 1.0, 3);
        double[] c = projection(rows * 12, 4);
        DropoutSeed seed = dropout > 0 ? new DropoutSeed(99) : null;
        Supplier<Double> loss = () -> {
            float[] y = new float[rows * 12];
            l.forward(x, 0, IN, y, rows, null, seed);
            return project(y, c);
        };
        float[] dx = l.backward(x, 0, IN, toFloat(c), rows, null, seed);
        for (Parameter p : l.parameters()) {
            check(what + " " + p.name(), p.data(), p.grad().data(), loss);
        }
        check(what + " dx", x, dx, loss);
    }

    @Test
    void dropoutRedrawsTheSameMaskFromItsSeedAndIsOffInEvaluation() {
        Linear l = lora(LinearWeight.fp32(baseWeights(), 12, IN), 0.5f);
        float[] x = randomArray(4 * IN, 1.0, 3);
        float[] a = new float[4 * 12];
        float[] b = new float[4 * 12];
        float[] c = new float[4 * 12];
        l.forward(x, 0, IN, a, 4, null, new DropoutSeed(1));
        l.forward(x, 0, IN, b, 4, null, new DropoutSeed(1));
        l.forward(x, 0, IN, c, 4, null, new DropoutSeed(2));
        assertArrayEquals(a, b, "one seed, one mask");
        assertTrue(!Arrays.equals(a, c), "another seed, another mask");
        assertArrayEquals(l.forward(x, 4), l.freeze().forward(x, 4), "a frozen copy computes the evaluation pass");
        assertTrue(l.drawsDropout());
        assertTrue(l.freeze().parameters().isEmpty());
    }

    @Test
    void aFreshAdapterLeavesTheProjectionUnchanged() {
        float[] w = baseWeights();
        Linear plain = Linear.frozen(List.of("q", "k", "v"), OUTS, LinearWeight.fp32(w, 12, IN), null);
        SplittableRandom rng = new SplittableRandom(3);
        Linear adapted = plain.withAdapters(Arrays.asList(LoraAdapter.create("q", IN, 4, 4, 8f, 0f, rng), null, null),
                null);
        float[] x = randomArray(3 * IN, 1.0, 4);
        assertArrayEquals(plain.forward(x, 3), adapted.forward(x, 3), "B = 0: (α/r)·x·Aᵀ·Bᵀ adds exact zeros");
        float[] a = adapted.adapter(0).a().data();
        double bound = 1 / Math.sqrt(IN);
        assertTrue(Arrays.stream(toDouble(a)).allMatch(v -> Math.abs(v) <= bound), "A ~ U(−1/√in, 1/√in)");
        assertEquals(2f, adapted.adapter(0).scale(), "α / r");
        assertThrows(IllegalArgumentException.class, () -> LoraAdapter.create("q", IN, 4, 0, 8f, 0f, rng));
        assertThrows(IllegalArgumentException.class, () -> Linear.random("t", IN, 4, rng)
                .withAdapters(Arrays.asList((LoraAdapter) null), null), "LoRA adapts a frozen weight only");
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void decoderBlockWithAdaptersEverywhere() {
        int batch = 2;
        int seq = 3;
        int hidden = 8;
        int heads = 2;
        int kvHeads = 1;
        int d = hidden / heads;
        int ffn = 10;
        SplittableRandom rng = new SplittableRandom(1);
        Linear qkv = Linear.frozen(List.of("q", "k", "v"), new int[] {hidden, d, d},
                LinearWeight.fp32(randomArray((hidden + 2 * d) * hidden, 0.3, 21), hidden + 2 * d, hidden), null)
                .withAdapters(Arrays.asList(LoraAdapter.create("q", hidden, hidden, 2, 4f, 0.2f, rng), null,
                        LoraAdapter.create("v", hidden, d, 2, 4f, 0.2f, rng)), null);
        Linear o = Linear.frozen(List.of("o"), new int[] {hidden},
                LinearWeight.fp32(randomArray(hidden * hidden, 0.3, 22), hidden, hidden), null)
                .withAdapters(List.of(LoraAdapter.create("o", hidden, hidden, 2, 4f, 0.2f, rng)), null);
        Linear gateUp = Linear.frozen(List.of("gate", "up"), new int[] {ffn, ffn},
                LinearWeight.fp32(randomArray(2 * ffn * hidden, 0.3, 23), 2 * ffn, hidden), null)
                .withAdapters(Arrays.asList(LoraAdapter.create("gate", hidden, ffn, 2, 4f, 0.2f, rng),
                        LoraAdapter.create("up", hidden, ffn, 2, 4f, 0.2f, rng)), null);
        Linear down = Linear.frozen(List.of("down"), new int[] {hidden},
                QuantizedWeightSource.blocked(QuantScheme.NF4.quantize(randomArray(hidden * ffn, 0.3, 24), hidden, ffn)),
                null).withAdapters(List.of(LoraAdapter.create("down", ffn, hidden, 2, 4f, 0.2f, rng)), null);
        DecoderBlock block = new DecoderBlock(RmsNorm.frozen("n1", randomArray(hidden, 0.2, 25), 1e-5f), qkv, o,
                RmsNorm.frozen("n2", randomArray(hidden, 0.2, 26), 1e-5f), gateUp, down, heads, kvHeads,
                new Rope(d, 10000, null, 16));
        List<Parameter> params = new ArrayList<>(block.parameters());
        for (Parameter p : params) {
            if (p.name().endsWith("lora_B.weight")) {
                randomise(List.of(p), 0.5, p.name().hashCode());
            }
        }
        assertEquals(12, params.size(), "A and B of six adapters, nothing of the base");
        float[] x = randomArray(batch * seq * hidden, 1.0, 3);
        double[] c = projection(x.length, 4);
        DropoutSeed seed = new DropoutSeed(5);
        Supplier<Double> loss = () -> project(block.forward(x, batch, seq, 0, null, null, true, null, seed).y(), c);
        float[] dx = block.backward(block.forward(x, batch, seq, 0, null, null, true, null, seed), toFloat(c), null);
        for (Parameter p : params) {
            check("decoder block " + p.name(), p.data(), p.grad().data(), loss);
        }
        check("decoder block dx", x, dx, loss);
    }
}
