package dev.distillery.kernel;

import static dev.distillery.testing.Numerics.assertClose;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The fused inference kernels against their scalar twins and against the unfused kernels they
 * replace: the residual sum inside the layer norm, and attention with the softmax inside, on
 * awkward sizes (tails of every vector width, more queries than one block, a head wider than two
 * vectors) and in place where the layer runs them in place.
 */
class FusedKernelsTest {
    private static final Kernels VECTOR = new VectorKernels();
    private static final Kernels SCALAR = new ScalarKernels();
    private static final int OFFSET = 3;

    @Test
    void residualAndLayerNormInOnePassMatchTheTwinAndTheTwoSteps() {
        Random random = new Random(21);
        for (int cols : new int[] {1, 7, 16, 17, 33, 384}) {
            int rows = 4;
            float[] x = uniform(random, OFFSET + rows * cols, 3f);
            float[] residual = uniform(random, OFFSET + rows * cols, 3f);
            float[] gamma = uniform(random, cols, 1f);
            float[] beta = uniform(random, cols, 1f);
            float[] twin = new float[OFFSET + rows * cols];
            float[] fused = new float[OFFSET + rows * cols];
            SCALAR.addLayerNormRows(x, OFFSET, residual, OFFSET, gamma, beta, twin, OFFSET, rows, cols, 1e-12f);
            VECTOR.addLayerNormRows(x, OFFSET, residual, OFFSET, gamma, beta, fused, OFFSET, rows, cols, 1e-12f);
            // Reordered sums for mean and variance of an O(1) row, as in the layer norm's own test.
            assertClose(twin, fused, 1e-4, 1e-5, "vector against scalar, cols=" + cols);
            // The two steps it replaces: add, then norm; and in place over the residual, as the layer runs it.
            float[] sum = new float[OFFSET + rows * cols];
            for (int i = OFFSET; i < sum.length; i++) {
                sum[i] = x[i] + residual[i];
            }
            float[] twoSteps = residual.clone(); // the padding before the rows must come back untouched
            VECTOR.layerNormRows(sum, OFFSET, gamma, beta, twoSteps, OFFSET, null, null, rows, cols, 1e-12f);
            VECTOR.addLayerNormRows(x, OFFSET, residual, OFFSET, gamma, beta, residual, OFFSET, rows, cols, 1e-12f);
            assertClose(twoSteps, residual, 0, 0, "in place against add then norm, cols=" + cols);
        }
    }

    @Test
    void attentionWithTheSoftmaxInsideMatchesTheTwinAndTheUnfusedSteps() {
        Random random = new Random(22);
        int[][] shapes = {{1, 8}, {5, 32}, {17, 33}, {24, 16}, {40, 16}, {64, 32}, {65, 16}, {130, 64}, {7, 47}};
        for (int[] s : shapes) {
            int seq = s[0];
            int d = s[1];
            int heads = 2;
            int inner = heads * d;
            int ld = 3 * inner + 1; // a fused Q/K/V row and a gap
            float[] qkv = uniform(random, OFFSET + seq * ld, 2f);
            float[] mask = new float[OFFSET + seq];
            for (int j = 0; j < seq; j++) {
                // Padding keys as SelfAttention.additiveMask writes them; the first key always real.
                mask[OFFSET + j] = j > 0 && random.nextInt(4) == 0 ? -3.4028235e38f : 0f;
            }
            int h = 1;
            int q0 = OFFSET + h * d;
            int ldo = inner + 2;
            float[] twin = new float[OFFSET + seq * ldo];
            float[] fused = twin.clone();
            SCALAR.attention(qkv, q0, q0 + inner, q0 + 2 * inner, ld, seq, d, mask, OFFSET, twin, OFFSET + h * d, ldo);
            VECTOR.attention(qkv, q0, q0 + inner, q0 + 2 * inner, ld, seq, d, mask, OFFSET, fused, OFFSET + h * d, ldo);
            // Sums of d products and of seq probabilities reordered, and the vector exp (2 ulp).
            String what = "seq " + seq + ", d " + d;
            assertClose(twin, fused, 1e-5, 2e-6, what + ": vector against scalar");
            assertClose(unfused(qkv, q0, ld, seq, d, inner, mask, ldo, h), fused, 1e-5, 2e-6, what + ": against the steps");
        }
    }

    /** The attention of a head as the layer computed it before: K transposed, product, scale and mask, softmax, product. */
    private static float[] unfused(float[] qkv, int q0, int ld, int seq, int d, int inner, float[] mask, int ldo, int h) {
        float[] kt = new float[d * seq];
        for (int t = 0; t < seq; t++) {
            for (int c = 0; c < d; c++) {
                kt[c * seq + t] = qkv[q0 + inner + t * ld + c];
            }
        }
        float[] scores = new float[seq * seq];
        VECTOR.matmulSmall(qkv, q0, ld, kt, 0, seq, scores, 0, seq, seq, seq, d, false);
        float sqrtD = (float) Math.sqrt(d);
        for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
                scores[i * seq + j] = scores[i * seq + j] / sqrtD + mask[OFFSET + j];
            }
        }
        VECTOR.softmaxRows(scores, 0, seq, seq);
        float[] out = new float[OFFSET + seq * ldo];
        VECTOR.matmulSmall(scores, 0, seq, qkv, q0 + 2 * inner, ld, out, OFFSET + h * d, ldo, seq, d, seq, false);
        return out;
    }

    private static float[] uniform(Random random, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (random.nextFloat() * 2 - 1) * scale;
        }
        return a;
    }
}
