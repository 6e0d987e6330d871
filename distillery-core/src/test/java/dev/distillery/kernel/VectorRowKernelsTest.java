package dev.distillery.kernel;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The row and element kernels of {@link VectorKernels} against {@link ScalarKernels}. */
class VectorRowKernelsTest {
    private static final Kernels VECTOR = new VectorKernels();
    private static final Kernels SCALAR = new ScalarKernels();
    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();
    private static final int[] LENGTHS = {0, 1, LANES - 1, LANES, LANES + 1, 2 * LANES + 1, 4 * LANES - 1, 37, 384};
    private static final int OFFSET = 5;
    /** Only summation order and FMA rounding differ from the scalar twin. */
    private static final double RTOL = 1e-5;

    @Test
    void dotAndAxpyMatchScalar() {
        Random random = new Random(11);
        for (int n : LENGTHS) {
            float[] a = VectorGemmTest.random(random, OFFSET + n);
            float[] b = VectorGemmTest.random(random, OFFSET + 2 + n);
            float expected = SCALAR.dot(a, OFFSET, b, OFFSET + 2, n);
            float actual = VECTOR.dot(a, OFFSET, b, OFFSET + 2, n);
            // Reordering n products of size ≤ 1 moves the sum by at most a few ε·n.
            assertEquals(expected, actual, 1e-5 + 3e-7 * n, "dot n=" + n);

            float[] yExpected = VectorGemmTest.random(random, OFFSET + n + 1);
            float[] yActual = yExpected.clone();
            SCALAR.axpy(-0.75f, a, OFFSET, yExpected, 1, n);
            VECTOR.axpy(-0.75f, a, OFFSET, yActual, 1, n);
            // One multiply-add per element: FMA skips one rounding, so a 1-ulp difference at most.
            assertClose(yExpected, yActual, 1e-6, 1e-7, "axpy n=" + n);
        }
    }

    @Test
    void addBiasRowsMatchesScalar() {
        Random random = new Random(12);
        for (int cols : LENGTHS) {
            int rows = 3;
            float[] bias = VectorGemmTest.random(random, OFFSET + cols);
            float[] expected = VectorGemmTest.random(random, OFFSET + rows * cols + 2);
            float[] actual = expected.clone();
            SCALAR.addBiasRows(expected, OFFSET, bias, OFFSET, rows, cols);
            VECTOR.addBiasRows(actual, OFFSET, bias, OFFSET, rows, cols);
            // The same single addition per element: bit-identical.
            assertClose(expected, actual, 0, 0, "addBiasRows cols=" + cols);
        }
    }

    @Test
    void softmaxMatchesScalar() {
        Random random = new Random(13);
        for (int cols : LENGTHS) {
            int rows = 4;
            float[] expected = scaled(VectorGemmTest.random(random, OFFSET + rows * cols + 1), 8f);
            float[] actual = expected.clone();
            SCALAR.softmaxRows(expected, OFFSET, rows, cols);
            VECTOR.softmaxRows(actual, OFFSET, rows, cols);
            // The vector exp is within an ulp or two of Math.exp and the sum is reordered; tiny
            // probabilities get an absolute floor.
            assertClose(expected, actual, RTOL, 1e-9, "softmax cols=" + cols);

            float[] y = expected;
            float[] dy = VectorGemmTest.random(random, OFFSET + rows * cols);
            float[] dxExpected = new float[OFFSET + rows * cols + 3];
            float[] dxActual = dxExpected.clone();
            SCALAR.softmaxRowsBackward(y, OFFSET, dy, OFFSET, dxExpected, 2, rows, cols);
            VECTOR.softmaxRowsBackward(y, OFFSET, dy, OFFSET, dxActual, 2, rows, cols);
            // dy − Σ dy·y cancels when dy is near its y-weighted mean: absolute floor at float ε.
            assertClose(dxExpected, dxActual, RTOL, 1e-7, "softmax backward cols=" + cols);
        }
    }

    @Test
    void softmaxOfMaskedRowIgnoresMinusInfinity() {
        float[] x = {0f, Float.NEGATIVE_INFINITY, 1f, Float.NEGATIVE_INFINITY, 2f, 3f, Float.NEGATIVE_INFINITY,
                0.5f, -1f, Float.NEGATIVE_INFINITY, 4f}; // an attention row with masked keys
        float[] expected = x.clone();
        float[] actual = x.clone();
        SCALAR.softmaxRows(expected, 0, 1, x.length);
        VECTOR.softmaxRows(actual, 0, 1, x.length);
        assertClose(expected, actual, RTOL, 1e-9, "masked softmax");
    }

    @Test
    void layerNormMatchesScalar() {
        Random random = new Random(14);
        for (int cols : LENGTHS) {
            if (cols == 0) {
                continue; // the mean of an empty row is undefined; the layer never asks for it
            }
            int rows = 3;
            float[] x = shifted(VectorGemmTest.random(random, OFFSET + rows * cols), 2f);
            float[] gamma = VectorGemmTest.random(random, cols);
            float[] beta = VectorGemmTest.random(random, cols);
            float[] yExpected = new float[OFFSET + rows * cols];
            float[] yActual = yExpected.clone();
            float[] meanExpected = new float[rows];
            float[] meanActual = new float[rows];
            float[] rstdExpected = new float[rows];
            float[] rstdActual = new float[rows];
            SCALAR.layerNormRows(x, OFFSET, gamma, beta, yExpected, OFFSET, meanExpected, rstdExpected, rows, cols, 1e-12f);
            VECTOR.layerNormRows(x, OFFSET, gamma, beta, yActual, OFFSET, meanActual, rstdActual, rows, cols, 1e-12f);
            // Reordered sums for mean and variance; the output is O(1), so the floor is a few ε.
            assertClose(meanExpected, meanActual, RTOL, 1e-6, "layer norm mean cols=" + cols);
            assertClose(rstdExpected, rstdActual, 1e-4, 0, "layer norm rstd cols=" + cols);
            assertClose(yExpected, yActual, 1e-4, 1e-5, "layer norm cols=" + cols);

            float[] dy = VectorGemmTest.random(random, OFFSET + rows * cols);
            float[] dxExpected = new float[rows * cols + 1];
            float[] dxActual = dxExpected.clone();
            float[] dGammaExpected = VectorGemmTest.random(random, cols);
            float[] dGammaActual = dGammaExpected.clone();
            float[] dBetaExpected = VectorGemmTest.random(random, cols);
            float[] dBetaActual = dBetaExpected.clone();
            SCALAR.layerNormRowsBackward(x, OFFSET, gamma, meanExpected, rstdExpected, dy, OFFSET, dxExpected, 1,
                    dGammaExpected, dBetaExpected, rows, cols);
            VECTOR.layerNormRowsBackward(x, OFFSET, gamma, meanExpected, rstdExpected, dy, OFFSET, dxActual, 1,
                    dGammaActual, dBetaActual, rows, cols);
            // dx subtracts two row means from dxhat and can cancel to near zero: absolute floor.
            assertClose(dxExpected, dxActual, 1e-4, 1e-5, "layer norm dx cols=" + cols);
            assertClose(dGammaExpected, dGammaActual, RTOL, 1e-6, "layer norm dGamma cols=" + cols);
            assertClose(dBetaExpected, dBetaActual, RTOL, 1e-6, "layer norm dBeta cols=" + cols);
        }
    }

    @Test
    void geluInPlaceEqualsGeluIntoAnotherArray() {
        for (int n : LENGTHS) {
            float[] x = new float[OFFSET + n];
            for (int i = 0; i < n; i++) {
                x[OFFSET + i] = -12f + 24f * i / Math.max(1, n - 1); // both tails and the bend
            }
            float[] y = new float[n];
            VECTOR.gelu(x, OFFSET, y, 0, n);
            float[] inPlace = x.clone();
            VECTOR.gelu(inPlace, OFFSET, inPlace, OFFSET, n);
            for (int i = 0; i < n; i++) {
                assertEquals(y[i], inPlace[OFFSET + i], "in place, element " + i);
            }
        }
    }

    @Test
    void geluMatchesScalar() {
        Random random = new Random(15);
        for (int n : LENGTHS) {
            float[] x = scaled(VectorGemmTest.random(random, OFFSET + n), 6f);
            float[] yExpected = new float[n + 2];
            float[] yActual = yExpected.clone();
            SCALAR.gelu(x, OFFSET, yExpected, 2, n);
            VECTOR.gelu(x, OFFSET, yActual, 2, n);
            // Both use the same erfc fit; the vector one evaluates it in float (a few ulp of Φ).
            assertClose(yExpected, yActual, 2e-6, 1e-7, "gelu n=" + n);

            float[] dy = VectorGemmTest.random(random, n + 1);
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] dxExpected = VectorGemmTest.random(random, OFFSET + n);
                float[] dxActual = dxExpected.clone();
                SCALAR.geluBackward(x, OFFSET, dy, 1, dxExpected, OFFSET, n, accumulate);
                VECTOR.geluBackward(x, OFFSET, dy, 1, dxActual, OFFSET, n, accumulate);
                // Φ + x·φ near x ≈ −0.75 cancels toward zero, hence the absolute floor.
                assertClose(dxExpected, dxActual, 2e-6, 2e-7, "gelu backward n=" + n + " accumulate=" + accumulate);
            }
        }
    }

    @Test
    void vectorNormalCdfIsAccurate() {
        // Against an erfc good to ~1e-13: the vector Φ must stay within 1.2e-7 absolute (erf = 2Φ − 1
        // then within 2.4e-7, inside the 3e-7 GELU needs to track PyTorch), and within 1e-6 relative in the negative tail where GELU(x) = x·Φ(x)
        // is tiny and only a relative bound keeps it close to PyTorch.
        float[] x = new float[4001];
        for (int i = 0; i < x.length; i++) {
            x[i] = -10f + i * 0.005f;
        }
        double worstAbs = 0;
        double worstRel = 0;
        for (int i = 0; i + LANES <= x.length; i += LANES) {
            float[] phi = new float[LANES];
            VectorKernels.normalCdf(x, i, phi, 0);
            for (int j = 0; j < LANES; j++) {
                double v = x[i + j];
                double expected = 0.5 * erfc(-v * Erf.INV_SQRT2);
                worstAbs = Math.max(worstAbs, Math.abs(phi[j] - expected));
                if (v < 0) {
                    worstRel = Math.max(worstRel, Math.abs(phi[j] - expected) / expected);
                }
            }
        }
        assertEquals(0, worstAbs, 1.2e-7, "largest |Φ error|");
        assertEquals(0, worstRel, 1e-6, "largest relative Φ error for x < 0");
    }

    /**
     * erfc in double for the accuracy test: the Maclaurin series of erf below 2.5 (terms stay
     * under e^6.25, so cancellation costs at most 3 of 16 digits), and above it Laplace's continued
     * fraction evaluated bottom-up, which 80 terms make exact to double rounding for x ≥ 2.5.
     */
    static double erfc(double x) {
        if (x < 0) {
            return 2.0 - erfc(-x);
        }
        if (x < 2.5) {
            double term = x;
            double sum = x;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
                term *= -x * x / n;
                sum += term / (2 * n + 1);
            }
            return 1.0 - 2.0 / Math.sqrt(Math.PI) * sum;
        }
        double f = x;
        for (int n = 80; n >= 1; n--) {
            f = x + n / 2.0 / f;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    private static float[] scaled(float[] x, float factor) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= factor;
        }
        return x;
    }

    private static float[] shifted(float[] x, float by) {
        for (int i = 0; i < x.length; i++) {
            x[i] += by;
        }
        return x;
    }
}
