package dev.distillery.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 256-bit micro-kernel for CPUs with AVX2 and FMA (16 vector registers): a 6 × 16 tile, the
 * shape MLAS and BLIS use on those CPUs. Twelve accumulators, two loads of B and one broadcast of A
 * fill 15 of the 16 registers; a 4 × 24 tile needs all 16, and C2 then spills accumulators
 * (measured at half the speed under {@code -XX:UseAVX=2}).
 */
final class Avx2MicroKernel extends MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    static final int MR = 6;
    static final int NR = 16;

    Avx2MicroKernel() {
        super(Isa.AVX2, MR, NR);
    }

    @Override
    void tile(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq, float[] c, int cIdx, int ldc, boolean add) {
        tile6x16(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
    }

    @Override
    void shortTile(int rows, float[] a, int aIdx, int lda, float[] b, int bIdx, int kq, float[] c, int cIdx, int ldc,
                   boolean add) {
        switch (rows) {
            case 4 -> tile4x16(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
            case 2 -> tile2x16(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
            default -> tile1x16(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
        }
    }

    /** Six vectors across the 48-column panel: six chains of FMAs in flight instead of two. */
    @Override
    void multiplyRow(float[] a, int aIdx, float[] b, int bIdx, int kq, float[] c, int cIdx, boolean add) {
        row48(a, aIdx, 0, b, bIdx, kq, c, cIdx, 0, add);
    }

    // The tiles are written out in full: a helper taking vectors would box them on the heap unless
    // the JIT inlined it, and loops over arrays of accumulators are not register-allocated.

    private static void tile6x16(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        int a0i = aIdx;
        int a1i = aIdx + lda;
        int a2i = aIdx + 2 * lda;
        int a3i = aIdx + 3 * lda;
        int a4i = aIdx + 4 * lda;
        int a5i = aIdx + 5 * lda;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 8);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + p]);
            c10 = a1.fma(b0v, c10);
            c11 = a1.fma(b1v, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + p]);
            c20 = a2.fma(b0v, c20);
            c21 = a2.fma(b1v, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + p]);
            c30 = a3.fma(b0v, c30);
            c31 = a3.fma(b1v, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + p]);
            c40 = a4.fma(b0v, c40);
            c41 = a4.fma(b1v, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + p]);
            c50 = a5.fma(b0v, c50);
            c51 = a5.fma(b1v, c51);
        }
        int r0 = cIdx;
        int r1 = cIdx + 1 * ldc;
        int r2 = cIdx + 2 * ldc;
        int r3 = cIdx + 3 * ldc;
        int r4 = cIdx + 4 * ldc;
        int r5 = cIdx + 5 * ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 8));
            c10 = c10.add(FloatVector.fromArray(S, c, r1));
            c11 = c11.add(FloatVector.fromArray(S, c, r1 + 8));
            c20 = c20.add(FloatVector.fromArray(S, c, r2));
            c21 = c21.add(FloatVector.fromArray(S, c, r2 + 8));
            c30 = c30.add(FloatVector.fromArray(S, c, r3));
            c31 = c31.add(FloatVector.fromArray(S, c, r3 + 8));
            c40 = c40.add(FloatVector.fromArray(S, c, r4));
            c41 = c41.add(FloatVector.fromArray(S, c, r4 + 8));
            c50 = c50.add(FloatVector.fromArray(S, c, r5));
            c51 = c51.add(FloatVector.fromArray(S, c, r5 + 8));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 8);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 8);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + 8);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + 8);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + 8);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + 8);
    }

    private static void tile4x16(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        int a0i = aIdx;
        int a1i = aIdx + lda;
        int a2i = aIdx + 2 * lda;
        int a3i = aIdx + 3 * lda;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 8);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + p]);
            c10 = a1.fma(b0v, c10);
            c11 = a1.fma(b1v, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + p]);
            c20 = a2.fma(b0v, c20);
            c21 = a2.fma(b1v, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + p]);
            c30 = a3.fma(b0v, c30);
            c31 = a3.fma(b1v, c31);
        }
        int r0 = cIdx;
        int r1 = cIdx + 1 * ldc;
        int r2 = cIdx + 2 * ldc;
        int r3 = cIdx + 3 * ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 8));
            c10 = c10.add(FloatVector.fromArray(S, c, r1));
            c11 = c11.add(FloatVector.fromArray(S, c, r1 + 8));
            c20 = c20.add(FloatVector.fromArray(S, c, r2));
            c21 = c21.add(FloatVector.fromArray(S, c, r2 + 8));
            c30 = c30.add(FloatVector.fromArray(S, c, r3));
            c31 = c31.add(FloatVector.fromArray(S, c, r3 + 8));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 8);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 8);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + 8);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + 8);
    }

    private static void tile2x16(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        int a0i = aIdx;
        int a1i = aIdx + lda;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 8);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + p]);
            c10 = a1.fma(b0v, c10);
            c11 = a1.fma(b1v, c11);
        }
        int r0 = cIdx;
        int r1 = cIdx + 1 * ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 8));
            c10 = c10.add(FloatVector.fromArray(S, c, r1));
            c11 = c11.add(FloatVector.fromArray(S, c, r1 + 8));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 8);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 8);
    }

    private static void tile1x16(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        int a0i = aIdx;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 8);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
        }
        int r0 = cIdx;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 8));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 8);
    }

    private static void row48(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        FloatVector c04 = c00;
        FloatVector c05 = c00;
        int a0i = aIdx;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 8);
            FloatVector b2v = FloatVector.fromArray(S, b, bp + 16);
            FloatVector b3v = FloatVector.fromArray(S, b, bp + 24);
            FloatVector b4v = FloatVector.fromArray(S, b, bp + 32);
            FloatVector b5v = FloatVector.fromArray(S, b, bp + 40);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
            c02 = a0.fma(b2v, c02);
            c03 = a0.fma(b3v, c03);
            c04 = a0.fma(b4v, c04);
            c05 = a0.fma(b5v, c05);
        }
        int r0 = cIdx;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 8));
            c02 = c02.add(FloatVector.fromArray(S, c, r0 + 16));
            c03 = c03.add(FloatVector.fromArray(S, c, r0 + 24));
            c04 = c04.add(FloatVector.fromArray(S, c, r0 + 32));
            c05 = c05.add(FloatVector.fromArray(S, c, r0 + 40));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 8);
        c02.intoArray(c, r0 + 16);
        c03.intoArray(c, r0 + 24);
        c04.intoArray(c, r0 + 32);
        c05.intoArray(c, r0 + 40);
    }
}
