package dev.distillery.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Sizes computed from the scheme data, error bounds of each round trip, and refused input. */
class QuantSchemeTest {
    private static float[] gaussian(int n, long seed, float scale) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian() * scale;
        }
        return w;
    }

    static long arrayBytes(QuantizedTensor q) {
        return switch (q) {
            case Int8Tensor t -> t.codes().length + 8;
            case Int8ChannelTensor t -> t.codes().length + 4L * t.scales().length;
            case Q8_0Tensor t -> t.blocks().length;
            case Q4_0Tensor t -> t.blocks().length;
            case Nf4Tensor t -> t.packed().length + 4L * t.absmax().length;
            case Nf4DqTensor t -> t.packed().length + t.absmaxCodes().length + 4L * t.nestedAbsmax().length + 4;
            case HalfTensor t -> 2L * t.bits().length;
        };
    }

    @Test
    void sizesFollowFromTheSchemeData() {
        int[][] shapes = {{3, 64}, {1, 1}, {5, 37}, {0, 32}, {300, 64}};
        for (QuantScheme s : QuantScheme.values()) {
            for (int[] shape : shapes) {
                if (!s.accepts(shape[0], shape[1])) {
                    continue;
                }
                QuantizedTensor q = s.quantize(gaussian(shape[0] * shape[1], 7, 1f), shape[0], shape[1]);
                assertEquals(arrayBytes(q), q.sizeBytes(), s + " " + shape[0] + "x" + shape[1]);
                assertEquals(s, q.scheme());
            }
        }
        assertEquals(72, QuantScheme.Q4_0.sizeBytes(2, 64));
        assertEquals(4.5, QuantScheme.Q4_0.bytesPerBlock() * 8.0 / QuantScheme.Q4_0.blockSize(), 0, "bits per weight");
        assertEquals(4.5, QuantScheme.NF4.bytesPerBlock() * 8.0 / QuantScheme.NF4.blockSize(), 0, "bits per weight");
    }

    @Test
    void roundTripErrorsStayWithinEachFormatsStep() {
        int rows = 16;
        int cols = 96;
        float[] w = gaussian(rows * cols, 11, 0.05f);
        w[5] = -0.4f; // an outlier, so the per-tensor and per-block scales differ
        for (QuantScheme s : QuantScheme.values()) {
            QuantizedTensor q = s.quantize(w, rows, cols);
            float[] back = q.dequantize();
            org.junit.jupiter.api.Assertions.assertArrayEquals(back, s.roundTrip(w, rows, cols), 0f, s + " round trip");
            for (int i = 0; i < w.length; i++) {
                double bound = bound(q, w, i);
                assertTrue(Math.abs(back[i] - w[i]) <= bound,
                        s + " element " + i + ": " + w[i] + " came back as " + back[i] + ", bound " + bound);
            }
            float[] row = new float[cols];
            q.dequantizeRow(3, row, 0);
            for (int j = 0; j < cols; j++) {
                assertEquals(back[3 * cols + j], row[j], 0, s + " row gather");
            }
        }
    }

    /** Half a quantization step, plus the fp16 rounding of ggml scales where they apply. */
    private static double bound(QuantizedTensor q, float[] w, int i) {
        double slack = 1e-6;
        return switch (q) {
            case Int8Tensor t -> t.scale() / 2 * (1 + slack);
            case Int8ChannelTensor t -> t.scales()[i / t.cols()] / 2 * (1 + slack);
            // d/2, plus up to 127 steps times fp16's relative rounding 2^-11 of d
            case Q8_0Tensor t -> blockAbsmax(w, i, 32) * (0.5 / 127 + 1.0 / 2048) + slack;
            // the value opposite the largest one can be clamped from code 16 to 15: a full step, amax / 8
            case Q4_0Tensor t -> blockAbsmax(w, i, 32) * (1.0 / 8 + 8.0 / 2048) + slack;
            // the widest NF4 gap is between -1 and -0.696: half of it
            case Nf4Tensor t -> blockAbsmax(w, i, 64) * 0.153;
            // as nf4, plus the absmax's own error: half the widest dynamic-map gap near 1 (0.0075) of the nested scale
            case Nf4DqTensor t -> blockAbsmax(w, i, 64) * 0.153 + t.nestedAbsmax()[i / 64 / 256] * 0.004;
            case HalfTensor t -> Math.abs(w[i]) * (t.scheme() == QuantScheme.FP16 ? 1.0 / 2048 : 1.0 / 256) + 1e-7;
        };
    }

    private static double blockAbsmax(float[] w, int i, int block) {
        double m = 0;
        for (int j = i / block * block; j < Math.min(w.length, (i / block + 1) * block); j++) {
            m = Math.max(m, Math.abs(w[j]));
        }
        return m;
    }

    @Test
    void zerosComeBackAsZeros() {
        float[] zeros = new float[128];
        for (QuantScheme s : QuantScheme.values()) {
            float[] back = s.quantize(zeros, 2, 64).dequantize();
            for (float v : back) {
                assertEquals(0f, v, 0f, s.id());
            }
        }
    }

    @Test
    void nf4PacksElementTwoIInTheHighNibble() {
        float[] w = {1f, -1f, 0f, 0.5626170039176941f, -0.5f};
        Nf4Tensor q = Nf4Tensor.quantize(w, 1, 5);
        assertEquals((byte) 0xF0, q.packed()[0]);
        assertEquals((byte) 0x7D, q.packed()[1]);
        assertEquals(2, q.code(4), "-0.5 is nearest to -0.525 (code 2)");
        assertEquals(0, q.packed()[2] & 0xF, "odd tail: the last low nibble is empty");
    }

    @Test
    void q4_0PutsElementJLowAndJPlus16High() {
        float[] w = new float[32];
        w[0] = -8f; // d = 1, code 0
        w[16] = 7f; // code 15
        w[1] = 1f; // code 9
        w[17] = -1f; // code 7
        Q4_0Tensor q = Q4_0Tensor.quantize(w, 1, 32);
        assertEquals(1f, q.scale(0));
        assertEquals((byte) 0xF0, q.blocks()[2]);
        assertEquals((byte) 0x79, q.blocks()[3]);
        assertEquals(8, q.code(2), "zero is code 8");
    }

    @Test
    void refusedInput() {
        assertThrows(IllegalArgumentException.class, () -> QuantScheme.Q4_0.quantize(new float[40], 1, 40));
        assertFalse(QuantScheme.Q8_0.accepts(2, 48));
        assertTrue(QuantScheme.NF4.accepts(2, 48));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuantScheme.fromId("int4"));
        assertTrue(e.getMessage().contains("nf4-dq"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuantScheme.NF4.quantize(new float[] {Float.NaN}, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> QuantScheme.INT8.quantize(new float[3], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Nf4Tensor(2, 3, new byte[2], new float[1]));
        for (QuantScheme s : QuantScheme.values()) {
            assertEquals(s, QuantScheme.fromId(s.id()));
        }
    }
}
