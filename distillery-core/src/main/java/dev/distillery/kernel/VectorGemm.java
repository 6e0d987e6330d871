package dev.distillery.kernel;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM on the Vector API, blocked as in Goto and van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication" (ACM TOMS 34(3), 2008): B is packed into panels
 * {@link #NR} columns wide and {@link #KB} rows deep, A into slivers {@link #MR} rows high, and a
 * register-blocked micro-kernel keeps an MR×NR tile of C in 12 vector accumulators while it
 * streams {@link #KC} rows of one A sliver and one B panel, then adds the tile into C.
 *
 * <p>Block sizes: the kernel's sums run over KC = 128 rows, which fixes the rounding of every C
 * element (results do not depend on KB or MC). Blocks are KB = 384 rows deep (fewer, longer
 * packing streams and a third of the A packing passes of KB = 128), but the kernel walks them one
 * KC chunk at a time across all slivers of the block, so the chunk of the B panel in use (KC·NR
 * floats, 24 KiB) stays in L1; walking each sliver through the whole 72 KiB panel instead streamed
 * B from L2 and measured 5–10% slower on [2048×384]·[384×1536] (bin/bench-gemm, one core).
 * The packed A block (MC·KB floats, 288 KiB) stays in L2.
 */
final class VectorGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Rows per micro-tile: 2 rows × 6 vectors = 12 accumulators, which with 2 broadcast A values
     *  and one B vector fill 15 of the 16 AVX2 registers. */
    static final int MR = 2;
    /** Columns per micro-tile and per packed B panel: six vectors. */
    static final int NR = 6 * L;
    /** The k extent a micro-tile sums from zero before adding into C; fixes the rounding of C. */
    static final int KC = 128;
    /** Depth of one packed block (B panels and A slivers), a multiple of KC; see the class comment. */
    static final int KB = 3 * KC;
    /** Rows of A packed per block, a multiple of MR. */
    static final int MC = 192;
    /** Below this many multiply-adds (2·m·n·k flops) a product stays on the calling thread. */
    static final long PARALLEL_FLOPS = 1L << 22;
    /** Products with fewer rows than this skip packing: it would cost as much as the arithmetic. */
    static final int SKINNY = 4;

    private static final class Scratch {
        final float[] a = new float[MC * KB]; // packed A block: MC/MR slivers of [KB][MR]
        final float[] tile = new float[MR * NR]; // edge micro-tile before it is merged into C
        float[] b = new float[0]; // packed B for products whose B was not packed ahead
        float[] shared = new float[0]; // A packed once for column tasks (see packAllOfA)
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorGemm() {
    }

    /** C[m×n] (+)= op(A) · op(B), where op transposes A (stored [k×m]) or B (stored [n×k]). */
    static void gemm(boolean transA, boolean transB, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate, boolean parallel) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        if (m < SKINNY || transB && n < SKINNY) {
            skinny(transA, transB, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate);
            return;
        }
        boolean split = parallel && worthSplitting(m, n, k);
        int padded = PackedMatrix.paddedColumns(n, NR);
        Scratch scratch = SCRATCH.get();
        int size = Math.multiplyExact(k, padded);
        if (scratch.b.length < size) {
            scratch.b = new float[size];
        }
        float[] pb = scratch.b; // [k · padded], PackedMatrix panel order
        packB(b, bOff, ldb, transB, k, n, pb, split);
        blocked(transA, a, aOff, lda, pb, padded, c, cOff, ldc, m, n, k, accumulate, split);
    }

    /** C[m×n] (+)= A[m×k] · B with B already packed with this class's panel shape. */
    static void gemmPacked(float[] a, int aOff, int lda, PackedMatrix b, float[] c, int cOff, int ldc,
                           int m, boolean accumulate, boolean parallel) {
        int n = b.n();
        int k = b.k();
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            gemm(false, false, a, aOff, lda, b.data(), 0, n, c, cOff, ldc, m, n, 0, accumulate, false);
            return;
        }
        blocked(false, a, aOff, lda, b.data(), b.paddedColumns(), c, cOff, ldc, m, n, k, accumulate,
                parallel && worthSplitting(m, n, k));
    }

    private static boolean worthSplitting(int m, int n, int k) {
        return Parallel.threads() > 1 && 2L * m * n * k >= PARALLEL_FLOPS;
    }

    private static void packB(float[] b, int bOff, int ldb, boolean transB, int k, int n, float[] pb, boolean split) {
        int padded = PackedMatrix.paddedColumns(n, NR);
        int panels = padded / NR;
        int blocks = (k + KB - 1) / KB;
        Parallel.RangeBody body = (from, to) -> {
            for (int t = from; t < to; t++) {
                int p0 = t / panels * KB;
                int j0 = t % panels * NR;
                int kq = Math.min(KB, k - p0);
                PackedMatrix.packPanel(b, bOff, ldb, transB, n, p0, kq, j0, NR, pb, p0 * padded + j0 * kq);
            }
        };
        if (split) {
            Parallel.forRange(blocks * panels, body);
        } else {
            body.run(0, blocks * panels);
        }
    }

    /**
     * The blocked product over packed B, cut into tasks by {@link TaskGrid}. Column tasks would
     * each pack the same rows of A, so when there are several, A is packed once, before them, and
     * shared.
     */
    private static void blocked(boolean transA, float[] a, int aOff, int lda, float[] pb, int padded,
                                float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate,
                                boolean split) {
        TaskGrid grid = TaskGrid.plan(m, padded / NR, MC, MR, split);
        int rowHeight = grid.rowHeight();
        // Column tasks exist only when the product is split, and then every one needs all of A.
        float[] sharedA = grid.columnTasks() > 1 ? packAllOfA(transA, a, aOff, lda, m, k, rowHeight, grid.rowTasks()) : null;
        Parallel.RangeBody body = (from, to) -> {
            Scratch scratch = SCRATCH.get();
            for (int t = from; t < to; t++) {
                int i0 = grid.firstRow(t);
                int j0 = grid.firstPanel(t) * NR;
                int mc = Math.min(rowHeight, m - i0);
                int j1 = Math.min(n, j0 + grid.panelsPerTask() * NR);
                block(transA, a, aOff, lda, pb, padded, c, cOff, ldc, n, k, i0, mc, j0, j1, accumulate, scratch,
                        sharedA);
            }
        };
        if (split) {
            Parallel.forRange(grid.tasks(), body);
        } else {
            body.run(0, grid.tasks());
        }
    }

    /**
     * Packs every row block of op(A), on the team, for tasks that share it, each depth block where
     * {@link #sharedOffset} says.
     */
    private static float[] packAllOfA(boolean transA, float[] a, int aOff, int lda, int m, int k, int rowHeight,
                                      int rowBlocks) {
        Scratch scratch = SCRATCH.get();
        int size = Math.multiplyExact(rowBlocks * rowHeight, k);
        if (scratch.shared.length < size) {
            scratch.shared = new float[size];
        }
        float[] shared = scratch.shared;
        int depthBlocks = (k + KB - 1) / KB;
        Parallel.RangeBody body = (from, to) -> {
            for (int t = from; t < to; t++) {
                int i0 = t / depthBlocks * rowHeight;
                int p0 = t % depthBlocks * KB;
                int mc = Math.min(rowHeight, m - i0);
                packA(transA, a, aOff, lda, i0, mc, p0, Math.min(KB, k - p0), shared, sharedOffset(i0, mc, k, p0));
            }
        };
        Parallel.forRange(rowBlocks * depthBlocks, body);
        return shared;
    }

    /**
     * Where depth block p0 of the row band starting at row i0 ({@code mc} rows) lies in a shared
     * packed A: each band starts at {@code i0·k} and holds its depth blocks one after another, each
     * as {@link #packA} lays it out (rows padded to whole slivers).
     */
    private static int sharedOffset(int i0, int mc, int k, int p0) {
        return i0 * k + p0 * ((mc + MR - 1) / MR * MR);
    }

    /**
     * Rows i0..i0+mc and columns j0..j1 of C, over the whole depth. A is packed here, block by
     * block, unless {@code sharedA} already holds these rows ({@link #packAllOfA}).
     */
    private static void block(boolean transA, float[] a, int aOff, int lda, float[] pb, int padded,
                              float[] c, int cOff, int ldc, int n, int k, int i0, int mc, int j0, int j1,
                              boolean accumulate, Scratch scratch, float[] sharedA) {
        float[] pa = sharedA != null ? sharedA : scratch.a;
        for (int p0 = 0; p0 < k; p0 += KB) {
            int kb = Math.min(KB, k - p0);
            int aBlock = 0;
            if (sharedA == null) {
                packA(transA, a, aOff, lda, i0, mc, p0, kb, pa, 0);
            } else {
                aBlock = sharedOffset(i0, mc, k, p0);
            }
            int bBlock = p0 * padded;
            for (int jr = j0; jr < j1; jr += NR) {
                int nr = Math.min(NR, n - jr);
                int bIdx = bBlock + jr * kb;
                // KC chunks outside the sliver loop: one chunk of the panel (KC·NR floats, 24 KiB)
                // then serves every sliver of the block from L1 instead of the whole KB-deep
                // panel (72 KiB) streaming from L2 once per sliver. Each element of C still sums
                // the same KC-long runs in the same order.
                for (int s = 0; s < kb; s += KC) {
                    int kq = Math.min(KC, kb - s);
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir);
                        int cIdx = cOff + (i0 + ir) * ldc + jr;
                        if (p0 == 0 && s == 0 && !accumulate) {
                            // Clearing the tile lets the micro-kernel always add (a store-or-add
                            // branch inside it made C2 deoptimise the hot loop).
                            if (mr == MR && nr == NR) {
                                clearTile(c, cIdx, ldc);
                            } else {
                                for (int r = 0; r < mr; r++) {
                                    Arrays.fill(c, cIdx + r * ldc, cIdx + r * ldc + nr, 0f);
                                }
                            }
                        }
                        int aIdx = aBlock + ir * kb + s * MR;
                        if (mr == MR && nr == NR) {
                            kernel(pa, aIdx, pb, bIdx + s * NR, kq, c, cIdx, ldc);
                        } else {
                            Arrays.fill(scratch.tile, 0f);
                            kernel(pa, aIdx, pb, bIdx + s * NR, kq, scratch.tile, 0, NR);
                            mergeTile(scratch.tile, c, cIdx, ldc, mr, nr);
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs rows i0..i0+mc, depth p0..p0+kq of op(A) into slivers: element (r, p) of the sliver
     * starting at row ir lands at {@code paOff + ir·kq + p·MR + r}; rows past mc are zero.
     */
    private static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kq,
                              float[] pa, int paOff) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = paOff + ir * kq;
            if (transA) {
                // Aᵀ: the MR values for one p sit next to each other in a row of the stored [k×m].
                for (int p = 0; p < kq; p++) {
                    int src = aOff + (p0 + p) * lda + i0 + ir;
                    int dst = base + p * MR;
                    for (int r = 0; r < mr; r++) {
                        pa[dst + r] = a[src + r];
                    }
                    for (int r = mr; r < MR; r++) {
                        pa[dst + r] = 0f;
                    }
                }
            } else {
                for (int r = 0; r < mr; r++) {
                    int src = aOff + (i0 + ir + r) * lda + p0;
                    for (int p = 0; p < kq; p++) {
                        pa[base + p * MR + r] = a[src + p];
                    }
                }
                for (int r = mr; r < MR; r++) {
                    for (int p = 0; p < kq; p++) {
                        pa[base + p * MR + r] = 0f;
                    }
                }
            }
        }
    }

    /**
     * C tile[MR×NR] += A sliver[MR×kq] · B panel[kq×NR], both packed. Two rows by six vectors:
     * per step two broadcasts and six loads feed twelve FMAs. Taller tiles (6×16, 3×32) need a
     * broadcast per two FMAs or spill a register, and measured 40–50% slower under C2.
     */
    private static void kernel(float[] pa, int aIdx, float[] pb, int bIdx, int kq,
                               float[] c, int cIdx, int ldc) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        FloatVector c04 = c00;
        FloatVector c05 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c13 = c00;
        FloatVector c14 = c00;
        FloatVector c15 = c00;
        int end = aIdx + kq * MR;
        for (int ap = aIdx, bp = bIdx; ap < end; ap += MR, bp += NR) {
            FloatVector a0 = FloatVector.broadcast(S, pa[ap]);
            FloatVector a1 = FloatVector.broadcast(S, pa[ap + 1]);
            FloatVector b = FloatVector.fromArray(S, pb, bp);
            c00 = a0.fma(b, c00);
            c10 = a1.fma(b, c10);
            b = FloatVector.fromArray(S, pb, bp + L);
            c01 = a0.fma(b, c01);
            c11 = a1.fma(b, c11);
            b = FloatVector.fromArray(S, pb, bp + 2 * L);
            c02 = a0.fma(b, c02);
            c12 = a1.fma(b, c12);
            b = FloatVector.fromArray(S, pb, bp + 3 * L);
            c03 = a0.fma(b, c03);
            c13 = a1.fma(b, c13);
            b = FloatVector.fromArray(S, pb, bp + 4 * L);
            c04 = a0.fma(b, c04);
            c14 = a1.fma(b, c14);
            b = FloatVector.fromArray(S, pb, bp + 5 * L);
            c05 = a0.fma(b, c05);
            c15 = a1.fma(b, c15);
        }
        // Written out rather than through a helper taking vectors: a call the JIT does not inline
        // boxes every vector argument on the heap (the profile showed it at 12% of GEMM time).
        int r1 = cIdx + ldc;
        c00.add(FloatVector.fromArray(S, c, cIdx)).intoArray(c, cIdx);
        c01.add(FloatVector.fromArray(S, c, cIdx + L)).intoArray(c, cIdx + L);
        c02.add(FloatVector.fromArray(S, c, cIdx + 2 * L)).intoArray(c, cIdx + 2 * L);
        c03.add(FloatVector.fromArray(S, c, cIdx + 3 * L)).intoArray(c, cIdx + 3 * L);
        c04.add(FloatVector.fromArray(S, c, cIdx + 4 * L)).intoArray(c, cIdx + 4 * L);
        c05.add(FloatVector.fromArray(S, c, cIdx + 5 * L)).intoArray(c, cIdx + 5 * L);
        c10.add(FloatVector.fromArray(S, c, r1)).intoArray(c, r1);
        c11.add(FloatVector.fromArray(S, c, r1 + L)).intoArray(c, r1 + L);
        c12.add(FloatVector.fromArray(S, c, r1 + 2 * L)).intoArray(c, r1 + 2 * L);
        c13.add(FloatVector.fromArray(S, c, r1 + 3 * L)).intoArray(c, r1 + 3 * L);
        c14.add(FloatVector.fromArray(S, c, r1 + 4 * L)).intoArray(c, r1 + 4 * L);
        c15.add(FloatVector.fromArray(S, c, r1 + 5 * L)).intoArray(c, r1 + 5 * L);
    }

    /** Zeroes a full MR×NR tile of C with vector stores (C2 leaves Arrays.fill of 48 floats scalar). */
    private static void clearTile(float[] c, int cIdx, int ldc) {
        FloatVector zero = FloatVector.zero(S);
        for (int r = 0; r < MR; r++) {
            int row = cIdx + r * ldc;
            zero.intoArray(c, row);
            zero.intoArray(c, row + L);
            zero.intoArray(c, row + 2 * L);
            zero.intoArray(c, row + 3 * L);
            zero.intoArray(c, row + 4 * L);
            zero.intoArray(c, row + 5 * L);
        }
    }

    private static void mergeTile(float[] tile, float[] c, int cIdx, int ldc, int mr, int nr) {
        for (int r = 0; r < mr; r++) {
            int row = cIdx + r * ldc;
            for (int j = 0; j < nr; j++) {
                c[row + j] += tile[r * NR + j];
            }
        }
    }

    /** Products with very few rows (or, for A·Bᵀ, columns): dot products and axpys, no packing. */
    private static void skinny(boolean transA, boolean transB, float[] a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        if (transB && !transA) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = VectorKernels.dotVector(a, aOff + i * lda, b, bOff + j * ldb, k);
                    int idx = cOff + i * ldc + j;
                    c[idx] = accumulate ? c[idx] + sum : sum;
                }
            }
            return;
        }
        assert !transB : "both operands transposed";
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            if (!accumulate) {
                Arrays.fill(c, cRow, cRow + n, 0f);
            }
            for (int p = 0; p < k; p++) {
                float aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                VectorKernels.axpyVector(aip, b, bOff + p * ldb, c, cRow, n);
            }
        }
    }
}
