package dev.distillery.kernel.lowbit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distillery.kernel.Gemm;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.PackedMatrix;
import dev.distillery.kernel.Panels;
import dev.distillery.kernel.TransposedGemm;
import dev.distillery.kernel.lowbit.LowBitFixtures.Case;
import dev.distillery.kernel.lowbit.LowBitFixtures.Format;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * dx += dy · W, the backward product through a frozen weight, for every format: the vector path,
 * its scalar twin and a loop written here over the weights each format's spec decodes to (from
 * the canonical arrays, not the weight object) agree bit for bit, because all three take one
 * fused multiply-add per output in increasing order onto dx's old value. Shapes cross every
 * panel, tile, vector and row-block edge; strides and offsets are gapped so a slip shows.
 */
class TransposedProductTest {
    /** The transposed product's tile width (three strips) and depth. */
    private static final int NR = Panels.PANEL;
    private static final int KC = Gemm.KC;
    private static final int GAP = 3;
    private static final int OFFSET = 5;
    /** None, one, odd, a 64-token sequence, and past one row block of the driver (256). */
    private static final int[] ROWS = {0, 1, 3, 64, 301};
    private static final int[] OUTS = {1, 7, NR - 1, NR + 1, 2 * NR + 5};

    private static int[] widths(Format f) {
        return switch (f) {
            case Q8_0, Q4_0 -> new int[] {32, 96, KC + 32, 2 * KC + 32};
            case NF4 -> new int[] {2, 37, 64, KC + 64, 131};
            default -> new int[] {1, 7, 37, KC + 1, 2 * KC + 3};
        };
    }

    @Test
    void everyFormatEqualsTheSpecLoopBitForBit() {
        Random random = new Random(23);
        for (Format f : Format.values()) {
            for (int in : widths(f)) {
                for (int out : OUTS) {
                    Case c = LowBitFixtures.random(f, out, in, random);
                    int rows = ROWS[random.nextInt(ROWS.length)];
                    check(f + " [" + out + "×" + in + "], " + rows + " rows", c.weight(), c.weight(), c.dequantized(),
                            out, in, rows, random);
                }
            }
        }
    }

    @Test
    void packedFp32AndStackedWeightsFollowTheSameOrder() {
        Random random = new Random(29);
        for (int[] shape : new int[][] {{1, 1}, {17, 300}, {100, 64}, {45, 513}}) {
            int out = shape[0];
            int in = shape[1];
            float[] w = new float[out * in];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextGaussian();
            }
            LinearWeight fp32 = LinearWeight.fp32(w, out, in);
            check("fp32 [" + out + "×" + in + "]", fp32, PackedMatrix.of(w, 0, in, in, out, true), w, out, in, 301, random);
        }
        // Parts in order: Q (NF4) on top of K (Q8_0) keeps every dx element's outputs increasing.
        Case q = LowBitFixtures.random(Format.NF4, 40, 64, random);
        Case k = LowBitFixtures.random(Format.Q8_0, NR + 3, 64, random);
        float[] both = new float[(40 + NR + 3) * 64];
        System.arraycopy(q.dequantized(), 0, both, 0, 40 * 64);
        System.arraycopy(k.dequantized(), 0, both, 40 * 64, (NR + 3) * 64);
        check("stacked", LinearWeight.stack(q.weight(), k.weight()), null, both, 40 + NR + 3, 64, 65, random);
    }

    /** Vector path (with offsets and strides), scalar twin when available, and the loop over {@code w} [out, in]. */
    private static void check(String what, LinearWeight weight, Panels tiles, float[] w, int out, int in,
                              int rows, Random random) {
        int lddy = out + GAP;
        int lddx = in + GAP;
        float[] dy = new float[OFFSET + rows * lddy];
        float[] dx0 = new float[OFFSET + rows * lddx];
        for (int i = 0; i < dy.length; i++) {
            dy[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < dx0.length; i++) {
            dx0[i] = (float) random.nextGaussian();
        }
        float[] expected = dx0.clone();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < in; i++) {
                int d = OFFSET + r * lddx + i;
                float acc = expected[d];
                for (int o = 0; o < out; o++) {
                    acc = Math.fma(dy[OFFSET + r * lddy + o], w[o * in + i], acc);
                }
                expected[d] = acc;
            }
        }
        float[] vector = dx0.clone();
        weight.multiplyTransposedAdd(dy, OFFSET, lddy, vector, OFFSET, lddx, rows);
        assertArrayEquals(expected, vector, what + ": the product against the spec loop");
        if (tiles != null) {
            float[] scalar = dx0.clone();
            TransposedGemm.multiplyAddScalar(tiles, dy, OFFSET, lddy, scalar, OFFSET, lddx, rows);
            assertArrayEquals(expected, scalar, what + ": the scalar twin");
        }
        for (int r = 0; r < rows; r++) { // the gaps between rows are never written
            for (int g = in; g < lddx; g++) {
                assertEquals(dx0[OFFSET + r * lddx + g], vector[OFFSET + r * lddx + g], what + ": gap of row " + r);
            }
        }
    }
}
