package dev.distillery.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 512-bit micro-kernels for CPUs with AVX-512 (32 vector registers): tiles 48 columns wide (three
 * loads of B per depth step, one per strip) and 8 or 4 rows tall.
 * <ul>
 *   <li>8 × 48 (24 accumulators, eight broadcasts of A per step) for CPUs that run two 512-bit
 *       FMAs per cycle, such as Intel's Xeons: at four cycles of latency they need eight or more
 *       independent sums in flight, and 24 keep both units fed while loads and broadcasts are
 *       outstanding;</li>
 *   <li>4 × 48 (12 accumulators) for CPUs that split each 512-bit FMA over two 256-bit units, one
 *       per cycle, such as AMD's Zen 4, where twelve sums already cover the latency: measured
 *       1–5% faster there than 8 × 48 on MiniLM's products, 5% on the 2,048-row ones
 *       (docs/results/kernels.md).</li>
 * </ul>
 * Which one runs is decided once ({@link #rowsFor}), and {@code -Ddistillery.avx512.rows=8|4}
 * forces it. Both give the same bits (the {@link MicroKernel} contract), so the choice moves speed
 * only.
 */
final class Avx512MicroKernel extends MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final int NR = 48;
    /** The system property that forces the tile height. */
    static final String ROWS_PROPERTY = "distillery.avx512.rows";
    /** The tile height this process uses. */
    static final int CHOSEN_ROWS = rowsFor(System.getProperty(ROWS_PROPERTY, "auto"), CpuInfo.read());

    Avx512MicroKernel(int rows) {
        super(Isa.AVX512, rows, NR);
        if (rows != 8 && rows != 4) {
            throw new IllegalArgumentException("AVX-512 tiles are 8 or 4 rows tall, not " + rows);
        }
    }

    /**
     * The tile height for a value of {@link #ROWS_PROPERTY} ({@code auto}, 8 or 4) on {@code cpu}:
     * auto gives 4 on AMD family 25 (Zen 3 and Zen 4; only Zen 4 has AVX-512, each 512-bit FMA
     * issued as two 256-bit halves) and 8 elsewhere.
     */
    static int rowsFor(String value, CpuInfo cpu) {
        String v = value.strip();
        if (v.equalsIgnoreCase("auto")) {
            return cpu.vendor().equals("AuthenticAMD") && cpu.family() == 25 ? 4 : 8;
        }
        if (v.equals("8") || v.equals("4")) {
            return Integer.parseInt(v);
        }
        throw new IllegalArgumentException("-D" + ROWS_PROPERTY + " must be auto, 8 or 4, not '" + value + "'");
    }

    @Override
    void tile(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq, float[] c, int cIdx, int ldc, boolean add) {
        if (mr == 8) {
            tile8x48(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
        } else {
            tile4x48(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
        }
    }

    @Override
    void shortTile(int rows, float[] a, int aIdx, int lda, float[] b, int bIdx, int kq, float[] c, int cIdx, int ldc,
                   boolean add) {
        switch (rows) {
            case 4 -> tile4x48(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
            case 2 -> tile2x48(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
            default -> tile1x48(a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
        }
    }

    // The tiles are written out in full: a helper taking vectors would box them on the heap unless
    // the JIT inlined it, and loops over arrays of accumulators are not register-allocated.

    private static void tile8x48(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c22 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c32 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c42 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c52 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c62 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        FloatVector c72 = c00;
        int a0i = aIdx;
        int a1i = aIdx + lda;
        int a2i = aIdx + 2 * lda;
        int a3i = aIdx + 3 * lda;
        int a4i = aIdx + 4 * lda;
        int a5i = aIdx + 5 * lda;
        int a6i = aIdx + 6 * lda;
        int a7i = aIdx + 7 * lda;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 16);
            FloatVector b2v = FloatVector.fromArray(S, b, bp + 32);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
            c02 = a0.fma(b2v, c02);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + p]);
            c10 = a1.fma(b0v, c10);
            c11 = a1.fma(b1v, c11);
            c12 = a1.fma(b2v, c12);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + p]);
            c20 = a2.fma(b0v, c20);
            c21 = a2.fma(b1v, c21);
            c22 = a2.fma(b2v, c22);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + p]);
            c30 = a3.fma(b0v, c30);
            c31 = a3.fma(b1v, c31);
            c32 = a3.fma(b2v, c32);
            FloatVector a4 = FloatVector.broadcast(S, a[a4i + p]);
            c40 = a4.fma(b0v, c40);
            c41 = a4.fma(b1v, c41);
            c42 = a4.fma(b2v, c42);
            FloatVector a5 = FloatVector.broadcast(S, a[a5i + p]);
            c50 = a5.fma(b0v, c50);
            c51 = a5.fma(b1v, c51);
            c52 = a5.fma(b2v, c52);
            FloatVector a6 = FloatVector.broadcast(S, a[a6i + p]);
            c60 = a6.fma(b0v, c60);
            c61 = a6.fma(b1v, c61);
            c62 = a6.fma(b2v, c62);
            FloatVector a7 = FloatVector.broadcast(S, a[a7i + p]);
            c70 = a7.fma(b0v, c70);
            c71 = a7.fma(b1v, c71);
            c72 = a7.fma(b2v, c72);
        }
        int r0 = cIdx;
        int r1 = cIdx + 1 * ldc;
        int r2 = cIdx + 2 * ldc;
        int r3 = cIdx + 3 * ldc;
        int r4 = cIdx + 4 * ldc;
        int r5 = cIdx + 5 * ldc;
        int r6 = cIdx + 6 * ldc;
        int r7 = cIdx + 7 * ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 16));
            c02 = c02.add(FloatVector.fromArray(S, c, r0 + 32));
            c10 = c10.add(FloatVector.fromArray(S, c, r1));
            c11 = c11.add(FloatVector.fromArray(S, c, r1 + 16));
            c12 = c12.add(FloatVector.fromArray(S, c, r1 + 32));
            c20 = c20.add(FloatVector.fromArray(S, c, r2));
            c21 = c21.add(FloatVector.fromArray(S, c, r2 + 16));
            c22 = c22.add(FloatVector.fromArray(S, c, r2 + 32));
            c30 = c30.add(FloatVector.fromArray(S, c, r3));
            c31 = c31.add(FloatVector.fromArray(S, c, r3 + 16));
            c32 = c32.add(FloatVector.fromArray(S, c, r3 + 32));
            c40 = c40.add(FloatVector.fromArray(S, c, r4));
            c41 = c41.add(FloatVector.fromArray(S, c, r4 + 16));
            c42 = c42.add(FloatVector.fromArray(S, c, r4 + 32));
            c50 = c50.add(FloatVector.fromArray(S, c, r5));
            c51 = c51.add(FloatVector.fromArray(S, c, r5 + 16));
            c52 = c52.add(FloatVector.fromArray(S, c, r5 + 32));
            c60 = c60.add(FloatVector.fromArray(S, c, r6));
            c61 = c61.add(FloatVector.fromArray(S, c, r6 + 16));
            c62 = c62.add(FloatVector.fromArray(S, c, r6 + 32));
            c70 = c70.add(FloatVector.fromArray(S, c, r7));
            c71 = c71.add(FloatVector.fromArray(S, c, r7 + 16));
            c72 = c72.add(FloatVector.fromArray(S, c, r7 + 32));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 16);
        c02.intoArray(c, r0 + 32);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 16);
        c12.intoArray(c, r1 + 32);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + 16);
        c22.intoArray(c, r2 + 32);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + 16);
        c32.intoArray(c, r3 + 32);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + 16);
        c42.intoArray(c, r4 + 32);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + 16);
        c52.intoArray(c, r5 + 32);
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + 16);
        c62.intoArray(c, r6 + 32);
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + 16);
        c72.intoArray(c, r7 + 32);
    }

    private static void tile4x48(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c22 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c32 = c00;
        int a0i = aIdx;
        int a1i = aIdx + lda;
        int a2i = aIdx + 2 * lda;
        int a3i = aIdx + 3 * lda;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 16);
            FloatVector b2v = FloatVector.fromArray(S, b, bp + 32);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
            c02 = a0.fma(b2v, c02);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + p]);
            c10 = a1.fma(b0v, c10);
            c11 = a1.fma(b1v, c11);
            c12 = a1.fma(b2v, c12);
            FloatVector a2 = FloatVector.broadcast(S, a[a2i + p]);
            c20 = a2.fma(b0v, c20);
            c21 = a2.fma(b1v, c21);
            c22 = a2.fma(b2v, c22);
            FloatVector a3 = FloatVector.broadcast(S, a[a3i + p]);
            c30 = a3.fma(b0v, c30);
            c31 = a3.fma(b1v, c31);
            c32 = a3.fma(b2v, c32);
        }
        int r0 = cIdx;
        int r1 = cIdx + 1 * ldc;
        int r2 = cIdx + 2 * ldc;
        int r3 = cIdx + 3 * ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 16));
            c02 = c02.add(FloatVector.fromArray(S, c, r0 + 32));
            c10 = c10.add(FloatVector.fromArray(S, c, r1));
            c11 = c11.add(FloatVector.fromArray(S, c, r1 + 16));
            c12 = c12.add(FloatVector.fromArray(S, c, r1 + 32));
            c20 = c20.add(FloatVector.fromArray(S, c, r2));
            c21 = c21.add(FloatVector.fromArray(S, c, r2 + 16));
            c22 = c22.add(FloatVector.fromArray(S, c, r2 + 32));
            c30 = c30.add(FloatVector.fromArray(S, c, r3));
            c31 = c31.add(FloatVector.fromArray(S, c, r3 + 16));
            c32 = c32.add(FloatVector.fromArray(S, c, r3 + 32));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 16);
        c02.intoArray(c, r0 + 32);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 16);
        c12.intoArray(c, r1 + 32);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + 16);
        c22.intoArray(c, r2 + 32);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + 16);
        c32.intoArray(c, r3 + 32);
    }

    private static void tile2x48(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        int a0i = aIdx;
        int a1i = aIdx + lda;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 16);
            FloatVector b2v = FloatVector.fromArray(S, b, bp + 32);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
            c02 = a0.fma(b2v, c02);
            FloatVector a1 = FloatVector.broadcast(S, a[a1i + p]);
            c10 = a1.fma(b0v, c10);
            c11 = a1.fma(b1v, c11);
            c12 = a1.fma(b2v, c12);
        }
        int r0 = cIdx;
        int r1 = cIdx + 1 * ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 16));
            c02 = c02.add(FloatVector.fromArray(S, c, r0 + 32));
            c10 = c10.add(FloatVector.fromArray(S, c, r1));
            c11 = c11.add(FloatVector.fromArray(S, c, r1 + 16));
            c12 = c12.add(FloatVector.fromArray(S, c, r1 + 32));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 16);
        c02.intoArray(c, r0 + 32);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 16);
        c12.intoArray(c, r1 + 32);
    }

    private static void tile1x48(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq,
            float[] c, int cIdx, int ldc, boolean add) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        int a0i = aIdx;
        for (int p = 0; p < kq; p++) {
            int bp = bIdx + p * Panels.PANEL;
            FloatVector b0v = FloatVector.fromArray(S, b, bp);
            FloatVector b1v = FloatVector.fromArray(S, b, bp + 16);
            FloatVector b2v = FloatVector.fromArray(S, b, bp + 32);
            FloatVector a0 = FloatVector.broadcast(S, a[a0i + p]);
            c00 = a0.fma(b0v, c00);
            c01 = a0.fma(b1v, c01);
            c02 = a0.fma(b2v, c02);
        }
        int r0 = cIdx;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(S, c, r0));
            c01 = c01.add(FloatVector.fromArray(S, c, r0 + 16));
            c02 = c02.add(FloatVector.fromArray(S, c, r0 + 32));
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + 16);
        c02.intoArray(c, r0 + 32);
    }
}
