package dev.distillery.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel of {@link TransposedGemm}: dx rows [kq] += dy rows [no] · w
 * [no][kq], two rows of dx and four vectors of depth (eight accumulators) at a time, each
 * accumulator loaded from dx, taking one FMA per output in order and stored back, so every element
 * sees exactly the operations of {@link TransposedGemm#scalar}. Kept apart so that the scalar path
 * never loads the vector module.
 */
final class VectorTransposedKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int STRIP = 4 * L;

    private VectorTransposedKernel() {
    }

    static void run(float[] dy, int dyIdx, int lddy, float[] w, int no, int kq, float[] dx, int dxIdx, int lddx,
                    int rows) {
        int r = 0;
        for (; r + 1 < rows; r += 2) {
            int g0 = dyIdx + r * lddy;
            int d0 = dxIdx + r * lddx;
            int p = 0;
            for (; p + STRIP <= kq; p += STRIP) {
                twoRows(dy, g0, g0 + lddy, w, no, kq, p, dx, d0 + p, d0 + lddx + p);
            }
            for (; p + L <= kq; p += L) {
                oneVector(dy, g0, w, no, kq, p, dx, d0 + p);
                oneVector(dy, g0 + lddy, w, no, kq, p, dx, d0 + lddx + p);
            }
            if (p < kq) {
                TransposedGemm.scalar(dy, g0, lddy, w, p, kq, no, kq - p, dx, d0 + p, lddx, 2);
            }
        }
        if (r < rows) {
            int g = dyIdx + r * lddy;
            int d = dxIdx + r * lddx;
            int p = 0;
            for (; p + L <= kq; p += L) {
                oneVector(dy, g, w, no, kq, p, dx, d + p);
            }
            if (p < kq) {
                TransposedGemm.scalar(dy, g, lddy, w, p, kq, no, kq - p, dx, d + p, lddx, 1);
            }
        }
    }

    private static void twoRows(float[] dy, int g0, int g1, float[] w, int no, int kq, int p, float[] dx, int d0,
                                int d1) {
        FloatVector a00 = FloatVector.fromArray(S, dx, d0);
        FloatVector a01 = FloatVector.fromArray(S, dx, d0 + L);
        FloatVector a02 = FloatVector.fromArray(S, dx, d0 + 2 * L);
        FloatVector a03 = FloatVector.fromArray(S, dx, d0 + 3 * L);
        FloatVector a10 = FloatVector.fromArray(S, dx, d1);
        FloatVector a11 = FloatVector.fromArray(S, dx, d1 + L);
        FloatVector a12 = FloatVector.fromArray(S, dx, d1 + 2 * L);
        FloatVector a13 = FloatVector.fromArray(S, dx, d1 + 3 * L);
        for (int j = 0, wj = p; j < no; j++, wj += kq) {
            FloatVector y0 = FloatVector.broadcast(S, dy[g0 + j]);
            FloatVector y1 = FloatVector.broadcast(S, dy[g1 + j]);
            FloatVector b = FloatVector.fromArray(S, w, wj);
            a00 = y0.fma(b, a00);
            a10 = y1.fma(b, a10);
            b = FloatVector.fromArray(S, w, wj + L);
            a01 = y0.fma(b, a01);
            a11 = y1.fma(b, a11);
            b = FloatVector.fromArray(S, w, wj + 2 * L);
            a02 = y0.fma(b, a02);
            a12 = y1.fma(b, a12);
            b = FloatVector.fromArray(S, w, wj + 3 * L);
            a03 = y0.fma(b, a03);
            a13 = y1.fma(b, a13);
        }
        a00.intoArray(dx, d0);
        a01.intoArray(dx, d0 + L);
        a02.intoArray(dx, d0 + 2 * L);
        a03.intoArray(dx, d0 + 3 * L);
        a10.intoArray(dx, d1);
        a11.intoArray(dx, d1 + L);
        a12.intoArray(dx, d1 + 2 * L);
        a13.intoArray(dx, d1 + 3 * L);
    }

    private static void oneVector(float[] dy, int g, float[] w, int no, int kq, int p, float[] dx, int d) {
        FloatVector a = FloatVector.fromArray(S, dx, d);
        for (int j = 0, wj = p; j < no; j++, wj += kq) {
            a = FloatVector.broadcast(S, dy[g + j]).fma(FloatVector.fromArray(S, w, wj), a);
        }
        a.intoArray(dx, d);
    }
}
