package dev.distillery.bench;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.kernel.LinearWeight;
import dev.distillery.model.EncoderInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MultiBenchTest {
    private static EncoderInput input(int batch, int fill) {
        int[] ids = new int[batch * 8];
        java.util.Arrays.fill(ids, fill);
        int[] mask = new int[ids.length];
        java.util.Arrays.fill(mask, 1);
        return new EncoderInput(batch, 8, ids, new int[ids.length], mask);
    }

    @Test
    void everyEngineLeadsInTurnOnTheSameInputs() throws Exception {
        Map<String, Contestant> engines = new LinkedHashMap<>();
        List<List<EncoderInput>> seen = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            List<EncoderInput> mine = new ArrayList<>();
            seen.add(mine);
            engines.put(name, mine::add);
        }
        MultiBench bench = new MultiBench(engines, List.of(input(4, 1), input(4, 2)), List.of(input(1, 3)), 0);
        Map<String, MultiBench.Figures> figures = bench.run();
        assertEquals(seen.get(0), seen.get(1));
        assertEquals(seen.get(0), seen.get(2));
        // A zero budget runs the minimum of rounds: warm-up (batch, single) pairs, then each phase.
        String rounds = "ABC" + "BCA" + "CAB";
        String warmUp = "ABCABC" + "BCABCA" + "CABCAB";
        assertEquals(warmUp + rounds + rounds, bench.trace());
        assertEquals(List.of("a", "b", "c"), List.copyOf(figures.keySet()));
        assertEquals(Bench.MIN_ROUNDS, figures.get("a").calls());
        assertTrue(figures.get("a").latencyQ1Ms() <= figures.get("a").latencyQ3Ms());
    }

    @Test
    void quantizersStayWithinHalfAStepOfTheirFormat() {
        Random random = new Random(3);
        int out = 5;
        int in = 128;
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian() * 0.05f;
        }
        float[] identity = new float[in * in];
        for (int i = 0; i < in; i++) {
            identity[i * in + i] = 1f;
        }
        // Largest rounding error relative to a block's absmax: half a step of 127 levels (8-bit),
        // of 8 levels (Q4_0, plus its trunc(x + 8.5) clamp at the top), half the widest NF4 gap (0.277);
        // NF4-dq also rounds each absmax to its 8-bit dynamic code (a few percent of it at most).
        Map<BenchQuantizer, Double> bound = Map.of(BenchQuantizer.FP32, 0.0, BenchQuantizer.INT8_CHANNEL, 0.5 / 127,
                BenchQuantizer.Q8_0, 0.5 / 127 * 1.01, BenchQuantizer.Q4_0, 1.0 / 8, BenchQuantizer.NF4, 0.14,
                BenchQuantizer.NF4_DQ, 0.15);
        float absmax = 0;
        for (float v : w) {
            absmax = Math.max(absmax, Math.abs(v));
        }
        for (BenchQuantizer q : BenchQuantizer.values()) {
            LinearWeight lw = q.quantize(w, out, in);
            float[] back = new float[in * out]; // I · Wᵀ = Wᵀ [in, out]
            lw.multiplyAdd(identity, 0, in, back, 0, out, in);
            float[] wt = new float[in * out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    wt[i * out + o] = w[o * in + i];
                }
            }
            assertClose(wt, back, 0, bound.get(q) * absmax + 1e-7, q.label() + " reconstruction");
        }
    }
}
