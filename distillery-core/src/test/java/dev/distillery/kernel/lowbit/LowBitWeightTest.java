package dev.distillery.kernel.lowbit;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.kernel.Epilogue;
import dev.distillery.kernel.Gemm;
import dev.distillery.kernel.Isa;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.Panels;

import java.util.Random;

import dev.distillery.kernel.lowbit.LowBitFixtures.Case;
import dev.distillery.kernel.lowbit.LowBitFixtures.Format;

import org.junit.jupiter.api.Test;

/**
 * Every low-bit weight three ways: through the GEMM driver on every instruction set's
 * micro-kernel with the vector decoders, through the scalar twin (decoding one weight at a time),
 * and as a product over weights dequantized here straight from the canonical arrays by each
 * format's spec (independent of the strip layout), on shapes that cross every strip, panel, slice
 * and block edge. Instruction sets wider than the JVM compiles to run emulated (see
 * {@code GemmParityTest}).
 */
class LowBitWeightTest {
    /** The widest tile. */
    private static final int NR = Panels.PANEL;
    private static final int KC = Gemm.KC;
    /** More rows than one band of the driver holds. */
    private static final int TALL = 200;
    /** Leading-dimension gap and array offset, so a stride or offset slip reads or writes the wrong cells. */
    private static final int GAP = 3;
    private static final int OFFSET = 5;
    /** Row counts: none, one, odd, two micro-tiles, a 64-token sequence. */
    private static final int[] ROWS = {0, 1, 3, 4, 64};


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
                    Case c = LowBitFixtures.random(f, out, in, random);
                    for (int o = 0; o < out; o++) {
                        for (int i = 0; i < in; i++) {
                            assertEquals(c.dequantized()[o * in + i], c.weight().weight(o, i), 0f,
                                    c.format() + " weight (" + o + ", " + i + ")");
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
            // 2·64·103·384 flops is past the driver's threshold: tasks split rows and panels.
            check(LowBitFixtures.random(f, 2 * NR + 7, 3 * KC, random), 64, random);
        }
        // More rows than one row block holds.
        check(LowBitFixtures.random(Format.INT8_CHANNEL, NR + 1, 37, random), TALL, random);
        // Three row blocks, fewer than two per thread: the panels alone are split, every block walks them all.
        check(LowBitFixtures.random(Format.Q4_0, 2 * NR + 7, KC + 32, random), 2 * TALL + 37, random);
    }

    @Test
    void oneRowDecodesAndMultipliesInOnePassWithTheSameBits() {
        Random random = new Random(16);
        for (Format f : Format.values()) {
            int[] ins = f == Format.NF4 ? new int[] {64, 2 * KC + 64, 37} : widths(f);
            for (int in : ins) {
                // Whole groups of three strips, a group and a half, and fewer strips than a group.
                for (int out : new int[] {NR, 2 * NR + 24, 2 * NR + 5, 20}) {
                    check(LowBitFixtures.random(f, out, in, random), 1, random);
                }
            }
        }
    }

    @Test
    void rowGatherDecodesOneRow() {
        Random random = new Random(13);
        for (Format f : Format.values()) {
            int in = widths(f)[1];
            Case c = LowBitFixtures.random(f, 9, in, random);
            float[] dst = new float[in + 2];
            dst[0] = 1f;
            c.weight().addRow(4, dst, 1);
            float[] expected = new float[in + 2];
            expected[0] = 1f;
            System.arraycopy(c.dequantized(), 4 * in, expected, 1, in);
            assertClose(expected, dst, 0, 0, c.format() + " gathers row 4 exactly");
        }
    }

    @Test
    void packedSizesReflectTheBitWidth() {
        Random random = new Random(14);
        int out = 8 * NR;
        int in = 4 * KC;
        double fp32 = 4.0 * out * in;
        // Codes plus scales: 8.5 bits per weight at most for the 8-bit formats, 4.5 for the 4-bit ones.
        assertTrue(LowBitFixtures.random(Format.INT8_CHANNEL, out, in, random).weight().bytes() <= fp32 * 8.5 / 32);
        assertTrue(LowBitFixtures.random(Format.INT8_AFFINE, out, in, random).weight().bytes() <= fp32 * 8.5 / 32);
        assertTrue(LowBitFixtures.random(Format.Q8_0, out, in, random).weight().bytes() <= fp32 * 8.5 / 32);
        assertTrue(LowBitFixtures.random(Format.Q4_0, out, in, random).weight().bytes() <= fp32 * 4.5 / 32);
        assertTrue(LowBitFixtures.random(Format.NF4, out, in, random).weight().bytes() <= fp32 * 4.5 / 32 + 64);
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
        Case q = LowBitFixtures.random(Format.INT8_CHANNEL, 7, in, random);
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
        float[] scalar = c0.clone();
        float[] expected = c0.clone();
        w.multiply(Gemm.of(Isa.SCALAR), x, OFFSET, ldx, scalar, OFFSET, ldc, rows, true, Epilogue.NONE);
        naive(c.dequantized(), out, in, x, OFFSET, ldx, expected, OFFSET, ldc, rows);
        String what = c.format() + " [" + rows + "×" + in + "]·[" + out + "×" + in + "]ᵀ";
        // Against double sums: rounding of k terms of size ≤ 1 (|x|, |w| ≤ 1), plus c's own value.
        assertClose(expected, scalar, 1e-5, 3e-7 * Math.max(1, in), what + " scalar twin against the spec");
        for (Gemm gemm : Gemm.every()) {
            if (gemm.isa().bits() > Isa.detected().bits() && rows > 8) {
                continue; // emulated: the small products of the awkward shapes cover it
            }
            float[] vector = c0.clone();
            w.multiply(gemm, x, OFFSET, ldx, vector, OFFSET, ldc, rows, true, Epilogue.NONE);
            // The same decoded weights, summed the same way: bit for bit.
            assertClose(scalar, vector, 0, 0, what + " " + gemm + " against the scalar twin");
        }
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

    static float[] uniform(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }
}
