package dev.distillery.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * C[m×n] (+)= A[m×k] · B[k×n] straight from row-major operands, without packing: for products
 * whose operands already sit in L1, such as one attention head (64×32 by 32×64), where
 * the blocked driver ({@link Gemm}) spent as long packing and padding edge tiles as multiplying.
 *
 * <p>A strip of four vectors of C is held for two rows at a time (8 accumulators, two
 * broadcasts of A and one load of B per step); columns past the last full strip go two vectors
 * for two rows, then one vector, then one element, at a time.
 */
final class VectorSmallGemm {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    private static final int STRIP = 4 * L;

    private VectorSmallGemm() {
    }

    static void gemm(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        int j = 0;
        for (; j + STRIP <= n; j += STRIP) {
            int i = 0;
            for (; i + 2 <= m; i += 2) {
                strip2(a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, k, accumulate);
            }
            if (i < m) {
                strip1(a, aOff + i * lda, b, bOff + j, ldb, c, cOff + i * ldc + j, k, accumulate);
            }
        }
        // Two vectors wide (a 32-wide attention head with 16 lanes): four chains of FMAs per two rows.
        for (; j + 2 * L <= n; j += 2 * L) {
            for (int i = 0; i < m; i += 2) {
                int a1 = i + 1 < m ? aOff + (i + 1) * lda : aOff + i * lda;
                FloatVector c00 = FloatVector.zero(S);
                FloatVector c01 = c00;
                FloatVector c10 = c00;
                FloatVector c11 = c00;
                int a0 = aOff + i * lda;
                for (int p = 0, bp = bOff + j; p < k; p++, bp += ldb) {
                    FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
                    FloatVector x1 = FloatVector.broadcast(S, a[a1 + p]);
                    FloatVector v0 = FloatVector.fromArray(S, b, bp);
                    FloatVector v1 = FloatVector.fromArray(S, b, bp + L);
                    c00 = v0.fma(x0, c00);
                    c01 = v1.fma(x0, c01);
                    c10 = v0.fma(x1, c10);
                    c11 = v1.fma(x1, c11);
                }
                int c0 = cOff + i * ldc + j;
                (accumulate ? c00.add(FloatVector.fromArray(S, c, c0)) : c00).intoArray(c, c0);
                (accumulate ? c01.add(FloatVector.fromArray(S, c, c0 + L)) : c01).intoArray(c, c0 + L);
                if (i + 1 < m) {
                    int c1 = c0 + ldc;
                    (accumulate ? c10.add(FloatVector.fromArray(S, c, c1)) : c10).intoArray(c, c1);
                    (accumulate ? c11.add(FloatVector.fromArray(S, c, c1 + L)) : c11).intoArray(c, c1 + L);
                }
            }
        }
        for (; j + L <= n; j += L) {
            for (int i = 0; i < m; i++) {
                FloatVector acc = FloatVector.zero(S);
                int ai = aOff + i * lda;
                for (int p = 0; p < k; p++) {
                    acc = FloatVector.fromArray(S, b, bOff + p * ldb + j).fma(FloatVector.broadcast(S, a[ai + p]), acc);
                }
                store(acc, c, cOff + i * ldc + j, accumulate);
            }
        }
        for (; j < n; j++) {
            for (int i = 0; i < m; i++) {
                float sum = 0f;
                int ai = aOff + i * lda;
                for (int p = 0; p < k; p++) {
                    sum = Math.fma(a[ai + p], b[bOff + p * ldb + j], sum);
                }
                int idx = cOff + i * ldc + j;
                c[idx] = accumulate ? c[idx] + sum : sum;
            }
        }
    }

    private static void strip2(float[] a, int a0, int lda, float[] b, int b0, int ldb,
                               float[] c, int c0, int ldc, int k, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c13 = c00;
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            FloatVector x1 = FloatVector.broadcast(S, a[a0 + lda + p]);
            FloatVector v = FloatVector.fromArray(S, b, bp);
            c00 = v.fma(x0, c00);
            c10 = v.fma(x1, c10);
            v = FloatVector.fromArray(S, b, bp + L);
            c01 = v.fma(x0, c01);
            c11 = v.fma(x1, c11);
            v = FloatVector.fromArray(S, b, bp + 2 * L);
            c02 = v.fma(x0, c02);
            c12 = v.fma(x1, c12);
            v = FloatVector.fromArray(S, b, bp + 3 * L);
            c03 = v.fma(x0, c03);
            c13 = v.fma(x1, c13);
        }
        store(c00, c, c0, accumulate);
        store(c01, c, c0 + L, accumulate);
        store(c02, c, c0 + 2 * L, accumulate);
        store(c03, c, c0 + 3 * L, accumulate);
        store(c10, c, c0 + ldc, accumulate);
        store(c11, c, c0 + ldc + L, accumulate);
        store(c12, c, c0 + ldc + 2 * L, accumulate);
        store(c13, c, c0 + ldc + 3 * L, accumulate);
    }

    private static void strip1(float[] a, int a0, float[] b, int b0, int ldb,
                               float[] c, int c0, int k, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        for (int p = 0, bp = b0; p < k; p++, bp += ldb) {
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + p]);
            c00 = FloatVector.fromArray(S, b, bp).fma(x0, c00);
            c01 = FloatVector.fromArray(S, b, bp + L).fma(x0, c01);
            c02 = FloatVector.fromArray(S, b, bp + 2 * L).fma(x0, c02);
            c03 = FloatVector.fromArray(S, b, bp + 3 * L).fma(x0, c03);
        }
        store(c00, c, c0, accumulate);
        store(c01, c, c0 + L, accumulate);
        store(c02, c, c0 + 2 * L, accumulate);
        store(c03, c, c0 + 3 * L, accumulate);
    }

    private static void store(FloatVector v, float[] c, int idx, boolean accumulate) {
        (accumulate ? v.add(FloatVector.fromArray(S, c, idx)) : v).intoArray(c, idx);
    }
}
