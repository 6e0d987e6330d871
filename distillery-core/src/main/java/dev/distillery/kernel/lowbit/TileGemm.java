package dev.distillery.kernel.lowbit;

import dev.distillery.kernel.Parallel;
import dev.distillery.kernel.TaskGrid;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * c[rows, out] += x[rows, in] · Wᵀ for a {@link BlockedWeight}: W is kept as codes in panels
 * {@link #NR} outputs wide, and for every (panel, {@link #KC}-deep slice) the weight decodes that
 * slice once into a per-thread tile of KC × NR floats (24 KiB on AVX2, resident in L1); a
 * register-blocked MR × NR micro-kernel then runs every row of x over the tile.
 *
 * <p>Why a tile rather than decoding inside the micro-kernel: on AVX2 each decoded vector costs a
 * widening load and an int→float convert on the same ports as the FMAs, and with MR = 2 rows that
 * would be one convert per two FMAs, measured slower than FP32. Decoded once per tile, the cost
 * is spread over all rows (3% of the arithmetic at 64 rows) while the bytes read from memory fall
 * to a quarter (INT8) or an eighth (4-bit). The tile is the only FP32 form of W that ever exists.
 *
 * <p>Determinism: each element of c gets its KC-long partial sums added in k order, each summed
 * by FMA from zero in k order, whatever the thread split; {@link #multiplyAddScalar} does the
 * same with {@link Math#fma} and so agrees bit for bit.
 */
final class TileGemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** L bytes, widened lane for lane to the L floats or ints of {@link #S} and {@link #I}. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    /** Rows per micro-tile: 2 rows × 6 vectors = 12 accumulators, as in the FP32 GEMM. */
    static final int MR = 2;
    /** Outputs per panel and per tile: six vectors. */
    static final int NR = 6 * L;
    /** Depth of a decoded tile; a multiple of every block size (32, 64) so tiles never split a block. */
    static final int KC = 128;
    /** Rows of x one task runs over a tile before moving on (its KC-slice, 96 KiB, stays in L2). */
    static final int MC = 192;
    /** Below this many flops (2·rows·out·in) a product stays on the calling thread. */
    static final long PARALLEL_FLOPS = 1L << 22;

    static final class Scratch {
        final float[] tile = new float[KC * NR];  // decoded W slice, [KC][NR]
        final float[] edge = new float[MR * NR];  // a micro-tile at the row or column edge
        final float[] scales = new float[KC / 32 * NR]; // per-block scales of the slice (blocks of ≥ 32), decoded once
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private TileGemm() {
    }

    static int panels(int out) {
        return (out + NR - 1) / NR;
    }

    static void multiplyAdd(BlockedWeight w, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows) {
        int n = w.out();
        int k = w.in();
        if (rows <= 0 || n == 0 || k == 0) {
            return;
        }
        int panels = panels(n);
        boolean split = Parallel.threads() > 1 && 2L * rows * n * k >= PARALLEL_FLOPS;
        // Short products split by panels only, so each tile is decoded once.
        TaskGrid grid = TaskGrid.plan(rows, panels, MC, MR, split);
        int rowHeight = grid.rowHeight();
        Parallel.RangeBody body = (from, to) -> {
            Scratch s = SCRATCH.get();
            for (int task = from; task < to; task++) {
                int i0 = grid.firstRow(task);
                int t0 = grid.firstPanel(task);
                int mc = Math.min(rowHeight, rows - i0);
                int t1 = Math.min(panels, t0 + grid.panelsPerTask());
                for (int t = t0; t < t1; t++) {
                    panel(w, t, x, xOff + i0 * ldx, ldx, c, cOff + i0 * ldc + t * NR, ldc, mc,
                            Math.min(NR, n - t * NR), k, s);
                }
            }
        };
        if (split) {
            Parallel.forRange(grid.tasks(), body);
        } else {
            body.run(0, grid.tasks());
        }
    }

    /** Rows 0..mc of x against panel t: c[mc, nr] at cIdx. */
    private static void panel(BlockedWeight w, int t, float[] x, int xIdx, int ldx, float[] c, int cIdx, int ldc,
                              int mc, int nr, int k, Scratch s) {
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kq = Math.min(KC, k - p0);
            w.decodeTile(t, p0, kq, s.tile, s.scales);
            for (int ir = 0; ir < mc; ir += MR) {
                int r0 = xIdx + ir * ldx + p0;
                int c0 = cIdx + ir * ldc;
                if (ir + 1 < mc && nr == NR) {
                    kernel(x, r0, r0 + ldx, s.tile, kq, c, c0, c0 + ldc);
                } else {
                    // The last odd row reads row 0 twice; only the rows that exist are merged.
                    int mr = Math.min(MR, mc - ir);
                    Arrays.fill(s.edge, 0f);
                    kernel(x, r0, mr == MR ? r0 + ldx : r0, s.tile, kq, s.edge, 0, NR);
                    for (int r = 0; r < mr; r++) {
                        for (int j = 0; j < nr; j++) {
                            c[c0 + r * ldc + j] += s.edge[r * NR + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * c rows at c0 and c1 [NR] += x rows at r0 and r1 [kq] · tile [kq][NR]: per step two
     * broadcasts and six loads feed twelve FMAs, all twelve sums in registers.
     */
    private static void kernel(float[] x, int r0, int r1, float[] tile, int kq, float[] c, int c0, int c1) {
        FloatVector a00 = FloatVector.zero(S);
        FloatVector a01 = a00;
        FloatVector a02 = a00;
        FloatVector a03 = a00;
        FloatVector a04 = a00;
        FloatVector a05 = a00;
        FloatVector a10 = a00;
        FloatVector a11 = a00;
        FloatVector a12 = a00;
        FloatVector a13 = a00;
        FloatVector a14 = a00;
        FloatVector a15 = a00;
        for (int p = 0, bp = 0; p < kq; p++, bp += NR) {
            FloatVector x0 = FloatVector.broadcast(S, x[r0 + p]);
            FloatVector x1 = FloatVector.broadcast(S, x[r1 + p]);
            FloatVector b = FloatVector.fromArray(S, tile, bp);
            a00 = x0.fma(b, a00);
            a10 = x1.fma(b, a10);
            b = FloatVector.fromArray(S, tile, bp + L);
            a01 = x0.fma(b, a01);
            a11 = x1.fma(b, a11);
            b = FloatVector.fromArray(S, tile, bp + 2 * L);
            a02 = x0.fma(b, a02);
            a12 = x1.fma(b, a12);
            b = FloatVector.fromArray(S, tile, bp + 3 * L);
            a03 = x0.fma(b, a03);
            a13 = x1.fma(b, a13);
            b = FloatVector.fromArray(S, tile, bp + 4 * L);
            a04 = x0.fma(b, a04);
            a14 = x1.fma(b, a14);
            b = FloatVector.fromArray(S, tile, bp + 5 * L);
            a05 = x0.fma(b, a05);
            a15 = x1.fma(b, a15);
        }
        // Written out: a helper taking the vectors would box them unless the JIT inlines it.
        a00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
        a01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
        a02.add(FloatVector.fromArray(S, c, c0 + 2 * L)).intoArray(c, c0 + 2 * L);
        a03.add(FloatVector.fromArray(S, c, c0 + 3 * L)).intoArray(c, c0 + 3 * L);
        a04.add(FloatVector.fromArray(S, c, c0 + 4 * L)).intoArray(c, c0 + 4 * L);
        a05.add(FloatVector.fromArray(S, c, c0 + 5 * L)).intoArray(c, c0 + 5 * L);
        a10.add(FloatVector.fromArray(S, c, c1)).intoArray(c, c1);
        a11.add(FloatVector.fromArray(S, c, c1 + L)).intoArray(c, c1 + L);
        a12.add(FloatVector.fromArray(S, c, c1 + 2 * L)).intoArray(c, c1 + 2 * L);
        a13.add(FloatVector.fromArray(S, c, c1 + 3 * L)).intoArray(c, c1 + 3 * L);
        a14.add(FloatVector.fromArray(S, c, c1 + 4 * L)).intoArray(c, c1 + 4 * L);
        a15.add(FloatVector.fromArray(S, c, c1 + 5 * L)).intoArray(c, c1 + 5 * L);
    }

    /** The scalar twin: the same KC-long FMA runs added in the same order, one weight decoded at a time. */
    static void multiplyAddScalar(BlockedWeight w, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc,
                                  int rows) {
        int k = w.in();
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < w.out(); o++) {
                int ci = cOff + r * ldc + o;
                for (int p0 = 0; p0 < k; p0 += KC) {
                    float acc = 0f;
                    for (int p = p0; p < Math.min(k, p0 + KC); p++) {
                        acc = Math.fma(x[xOff + r * ldx + p], w.weight(o, p), acc);
                    }
                    c[ci] += acc;
                }
            }
        }
    }
}
