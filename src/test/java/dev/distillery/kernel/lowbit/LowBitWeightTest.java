package dev.distillery.kernel.lowbit;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.kernel.LinearWeight;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Every low-bit weight three ways: the vector GEMM, its scalar twin, and a product over weights
 * dequantized here straight from the canonical arrays by each format's spec (independent of the
 * panel layout), on shapes that cross every panel, tile and block edge.
 */
class LowBitWeightTest {
    private static final int NR = TileGemm.NR;
    private static final int KC = TileGemm.KC;
    /** NF4 table of bitsandbytes (its {@code get_4bit_type("nf4")}). */
    static final float[] NF4 = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
            0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
            0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};
    /** Leading-dimension gap and array offset, so a stride or offset slip reads or writes the wrong cells. */
    private static final int GAP = 3;
    private static final int OFFSET = 5;
    /** Row counts: none, one, odd, two micro-tiles, a 64-token sequence. */
    private static final int[] ROWS = {0, 1, 3, 4, 64};

    /** A format under test: its canonical arrays for one shape, their spec decoding and the factory. */
    private record Case(String name, BlockedWeight weight, float[] dequantized) {
    }

    private enum Format { INT8_CHANNEL, INT8_AFFINE, Q8_0, Q4_0, NF4 }

    private static int[] widths(Format f) {
        return switch (f) {
            case Q8_0, Q4_0 -> new int[] {32, 96, KC + 32, 2 * KC + 32};
            case NF4 -> new int[] {2, 37, 64, KC + 64, 2 * KC + 64, 131};
            default -> new int[] {1, 7, 37, KC + 1, 2 * KC + 3};
        };
    }

    private static final int[] OUTS = {1, 7, NR - 1, NR + 1, 2 * NR + 5};

    @Test
    void vectorScalarAndSpecAgreeOnAwkwardShapes() {
        Random random = new Random(11);
        for (Format f : Format.values()) {
            for (int in : widths(f)) {
                for (int out : OUTS) {
                    Case c = make(f, out, in, random);
                    for (int o = 0; o < out; o++) {
                        for (int i = 0; i < in; i++) {
                            assertEquals(c.dequantized()[o * in + i], c.weight().weight(o, i), 0f,
                                    c.name() + " weight (" + o + ", " + i + ")");
                        }
                    }
                    check(c, ROWS[random.nextInt(ROWS.length)], random);
                }
            }
        }
    }

    @Test
    void largeProductsSplitAcrossThreadsAgree() {
        Random random = new Random(12);
        for (Format f : Format.values()) {
            // 2·64·103·384 flops is past TileGemm.PARALLEL_FLOPS: tasks split rows and panels.
            check(make(f, 2 * NR + 7, 3 * KC, random), 64, random);
        }
        // More rows than one row block holds.
        check(make(Format.INT8_CHANNEL, NR + 1, 37, random), TileGemm.MC + 5, random);
    }

    @Test
    void rowGatherDecodesOneRow() {
        Random random = new Random(13);
        for (Format f : Format.values()) {
            int in = widths(f)[1];
            Case c = make(f, 9, in, random);
            float[] dst = new float[in + 2];
            dst[0] = 1f;
            c.weight().addRow(4, dst, 1);
            float[] expected = new float[in + 2];
            expected[0] = 1f;
            System.arraycopy(c.dequantized(), 4 * in, expected, 1, in);
            assertClose(expected, dst, 0, 0, c.name() + " gathers row 4 exactly");
        }
    }

    @Test
    void packedSizesReflectTheBitWidth() {
        Random random = new Random(14);
        int out = 8 * NR;
        int in = 4 * KC;
        double fp32 = 4.0 * out * in;
        // Codes plus scales: 8.5 bits per weight at most for the 8-bit formats, 4.5 for the 4-bit ones.
        assertTrue(make(Format.INT8_CHANNEL, out, in, random).weight().bytes() <= fp32 * 8.5 / 32);
        assertTrue(make(Format.INT8_AFFINE, out, in, random).weight().bytes() <= fp32 * 8.5 / 32);
        assertTrue(make(Format.Q8_0, out, in, random).weight().bytes() <= fp32 * 8.5 / 32);
        assertTrue(make(Format.Q4_0, out, in, random).weight().bytes() <= fp32 * 4.5 / 32);
        assertTrue(make(Format.NF4, out, in, random).weight().bytes() <= fp32 * 4.5 / 32 + 64);
    }

    @Test
    void malformedArraysAreRejectedWithTheirShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantizedWeights.int8Channel(new byte[5], new float[2], 2, 3));
        assertTrue(e.getMessage().contains("[2×3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuantizedWeights.q8_0(new byte[34], 1, 33));
        assertThrows(IllegalArgumentException.class, () -> QuantizedWeights.q4_0(new byte[17], 1, 32));
        assertThrows(IllegalArgumentException.class, () -> QuantizedWeights.nf4(new byte[32], new float[1], new float[15], 1, 64));
        assertThrows(IllegalArgumentException.class, () -> QuantizedWeights.int8Affine(new byte[4], 1f, 256, 2, 2));
    }

    @Test
    void fp32AndStackedWeightsMatchTheNaiveProduct() {
        Random random = new Random(15);
        int in = KC + 9;
        float[] a = uniform(random, 5 * in);
        Case q = make(Format.INT8_CHANNEL, 7, in, random);
        LinearWeight stacked = LinearWeight.stack(LinearWeight.fp32(a, 5, in), q.weight());
        assertEquals(12, stacked.out());
        assertEquals(in, stacked.in());
        float[] dense = new float[12 * in]; // [a; dequantized q]
        System.arraycopy(a, 0, dense, 0, a.length);
        System.arraycopy(q.dequantized(), 0, dense, a.length, 7 * in);
        int rows = 6;
        float[] x = uniform(random, rows * in);
        float[] c = uniform(random, rows * 12);
        float[] expected = c.clone();
        stacked.multiplyAdd(x, 0, in, c, 0, 12, rows);
        naive(dense, 12, in, x, 0, in, expected, 0, 12, rows);
        // Summation order only (see check).
        assertClose(expected, c, 1e-5, 3e-7 * in, "FP32 stacked on INT8 against x·Wᵀ");
    }

    private static void check(Case c, int rows, Random random) {
        BlockedWeight w = c.weight();
        int in = w.in();
        int out = w.out();
        int ldx = in + GAP;
        int ldc = out + GAP;
        float[] x = uniform(random, OFFSET + rows * ldx);
        float[] c0 = uniform(random, OFFSET + rows * ldc);
        float[] vector = c0.clone();
        float[] scalar = c0.clone();
        float[] expected = c0.clone();
        w.multiplyAdd(x, OFFSET, ldx, vector, OFFSET, ldc, rows);
        w.multiplyAddScalar(x, OFFSET, ldx, scalar, OFFSET, ldc, rows);
        naive(c.dequantized(), out, in, x, OFFSET, ldx, expected, OFFSET, ldc, rows);
        String what = c.name() + " [" + rows + "×" + in + "]·[" + out + "×" + in + "]ᵀ";
        // Same FMA runs in the same order on the same decoded weights: bit for bit.
        assertClose(scalar, vector, 0, 0, what + " vector against scalar");
        // Against double sums: rounding of k terms of size ≤ 1 (|x|, |w| ≤ 1), plus c's own value.
        assertClose(expected, vector, 1e-5, 3e-7 * Math.max(1, in), what + " against the spec");
    }

    /** c[rows, out] += x · Wᵀ in double, leaving the gaps between rows untouched. */
    private static void naive(float[] w, int out, int in, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc,
                              int rows) {
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double sum = c[cOff + r * ldc + o];
                for (int i = 0; i < in; i++) {
                    sum += (double) x[xOff + r * ldx + i] * w[o * in + i];
                }
                c[cOff + r * ldc + o] = (float) sum;
            }
        }
    }

    private static Case make(Format f, int out, int in, Random random) {
        float[] w = new float[out * in];
        switch (f) {
            case INT8_CHANNEL -> {
                byte[] codes = codes8(random, out * in, -127, 127);
                float[] scales = new float[out];
                for (int o = 0; o < out; o++) {
                    scales[o] = (0.5f + random.nextFloat()) / 127;
                    for (int i = 0; i < in; i++) {
                        w[o * in + i] = codes[o * in + i] * scales[o];
                    }
                }
                return new Case("int8-channel", QuantizedWeights.int8Channel(codes, scales, out, in), w);
            }
            case INT8_AFFINE -> {
                byte[] codes = codes8(random, out * in, 0, 255);
                float scale = 1f / 255;
                int zero = random.nextInt(256);
                for (int j = 0; j < w.length; j++) {
                    w[j] = ((codes[j] & 0xFF) - zero) * scale;
                }
                return new Case("int8-affine", QuantizedWeights.int8Affine(codes, scale, zero, out, in), w);
            }
            case Q8_0 -> {
                byte[] blocks = new byte[out * in / 32 * 34];
                for (int b = 0; b < out * in / 32; b++) {
                    float scale = putFp16(blocks, b * 34, random.nextFloat() / 127);
                    for (int j = 0; j < 32; j++) {
                        byte code = (byte) (random.nextInt(255) - 127);
                        blocks[b * 34 + 2 + j] = code;
                        w[b * 32 + j] = code * scale; // blocks run along rows, so flat index b·32 + j
                    }
                }
                return new Case("q8_0", QuantizedWeights.q8_0(blocks, out, in), w);
            }
            case Q4_0 -> {
                byte[] blocks = new byte[out * in / 32 * 18];
                for (int b = 0; b < out * in / 32; b++) {
                    float scale = putFp16(blocks, b * 18, (random.nextFloat() - 0.5f) / 4);
                    for (int j = 0; j < 16; j++) {
                        int lo = random.nextInt(16);
                        int hi = random.nextInt(16);
                        blocks[b * 18 + 2 + j] = (byte) (lo | hi << 4);
                        w[b * 32 + j] = (lo - 8) * scale;
                        w[b * 32 + j + 16] = (hi - 8) * scale;
                    }
                }
                return new Case("q4_0", QuantizedWeights.q4_0(blocks, out, in), w);
            }
            case NF4 -> {
                int n = out * in;
                int[] code = new int[n];
                byte[] packed = new byte[(n + 1) / 2];
                for (int j = 0; j < n; j++) {
                    code[j] = random.nextInt(16);
                    packed[j / 2] |= (byte) (j % 2 == 0 ? code[j] << 4 : code[j]);
                }
                float[] absmax = new float[(n + 63) / 64];
                for (int b = 0; b < absmax.length; b++) {
                    absmax[b] = random.nextFloat();
                }
                for (int j = 0; j < n; j++) {
                    w[j] = NF4[code[j]] * absmax[j / 64];
                }
                return new Case("nf4", QuantizedWeights.nf4(packed, absmax, NF4, out, in), w);
            }
            default -> throw new AssertionError(f);
        }
    }

    /** Writes {@code value} as fp16 little-endian at {@code at}; returns the value fp16 holds. */
    private static float putFp16(byte[] dst, int at, float value) {
        short h = Float.floatToFloat16(value);
        dst[at] = (byte) h;
        dst[at + 1] = (byte) (h >> 8);
        return Float.float16ToFloat(h);
    }

    private static byte[] codes8(Random random, int n, int min, int max) {
        byte[] codes = new byte[n];
        for (int i = 0; i < n; i++) {
            codes[i] = (byte) (min + random.nextInt(max - min + 1));
        }
        return codes;
    }

    static float[] uniform(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }
}
