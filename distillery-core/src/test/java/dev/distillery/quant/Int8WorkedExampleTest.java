package dev.distillery.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.distillery.testing.Numerics;
import org.junit.jupiter.api.Test;

/**
 * The security tutorial's worked 3×3 INT8 example: scale = (0.789 − (−0.891)) / 255 = 0.0065882,
 * zero point = round(0.891 / scale) = 135, and its reconstruction error table.
 */
class Int8WorkedExampleTest {
    private static final float[] W = {
        0.127f, -0.891f, 0.342f,
        0.505f, 0.012f, -0.234f,
        -0.667f, 0.789f, 0.001f,
    };

    @Test
    void scaleZeroPointAndCodes() {
        Int8Tensor q = Int8Tensor.quantize(W, 3, 3);
        assertEquals(0.00659, q.scale(), 5e-6, "scale, as the tutorial rounds it to three figures");
        assertEquals(1.68 / 255, q.scale(), 1e-9, "scale in float32");
        assertEquals(135, q.zeroPoint());
        // The tutorial prints 100 for −0.234, but −0.234 / 0.0065882 = −35.52 rounds to −36, so the
        // code is 135 − 36 = 99: 100 would reconstruct −0.2306, an error of 0.0034 > scale / 2.
        int[] expected = {154, 0, 187, 212, 137, 99, 34, 255, 135};
        for (int i = 0; i < W.length; i++) {
            assertEquals(expected[i], q.code(i), "code of " + W[i]);
        }
    }

    @Test
    void reconstructionErrorTable() {
        Int8Tensor q = Int8Tensor.quantize(W, 3, 3);
        // (code − 135) · 1.68/255, worked out by hand from the codes above
        double[] reconstructed = {
            0.12517647, -0.88941176, 0.34258824,
            0.50729412, 0.01317647, -0.23717647,
            -0.66541176, 0.79058824, 0.0,
        };
        float[] expected = new float[9];
        float[] error = new float[9];
        float[] expectedError = new float[9];
        float[] actual = q.dequantize();
        for (int i = 0; i < 9; i++) {
            expected[i] = (float) reconstructed[i];
            error[i] = W[i] - actual[i];
            expectedError[i] = (float) (W[i] - reconstructed[i]);
            // rounding to the nearest code never misses by more than half a step
            assertEquals(0, error[i], q.scale() / 2 * (1 + 1e-6), "error of " + W[i]);
        }
        // 1e-7: the hand values carry eight decimals; float32 products differ by less than that
        Numerics.assertClose(expected, actual, 0, 1e-7, "reconstructed weights");
        Numerics.assertClose(expectedError, error, 0, 1e-7, "reconstruction errors");
        double maxError = 0;
        for (float e : error) {
            maxError = Math.max(maxError, Math.abs(e));
        }
        assertEquals(0.00317647, maxError, 1e-7, "largest error, at -0.234");
    }
}
