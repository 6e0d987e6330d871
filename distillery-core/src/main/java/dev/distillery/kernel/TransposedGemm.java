package dev.distillery.kernel;

/**
 * dx[rows, in] += dy[rows, out] · W for a constant W [out, in] held in any form: the product a
 * backward pass needs through a frozen linear layer (dX = dY · W for y = x · Wᵀ), computed from
 * W as it is stored, never from an FP32 copy of it. QLoRA (Dettmers et al., "QLoRA: Efficient
 * Finetuning of Quantized LLMs", 2023) back-propagates through a 4-bit base this way.
 *
 * <p>The weight is its transposed operand Wᵀ [in × out] as the forward GEMM holds it
 * ({@link Panels}), and hands out tiles of {@value #TILE_DEPTH} inputs × {@value #TILE_OUTS}
 * outputs through {@link Panels#decode}: a coded weight decodes that slice of codes into FP32
 * (24 KiB per thread), packed FP32 copies its strips. The driver transposes the tile to [outs][depth] and a register-blocked
 * micro-kernel runs every row of dy over it, broadcasting dy[r, o] and streaming the depth of the
 * tile in vectors.
 *
 * <p>Summation order, the same on every path: each element dx[r, i] starts from its old value and
 * takes one fused multiply-add per output o = 0, 1, …, out − 1 in increasing order,
 * {@code dx[r, i] = fma(dy[r, o], W[o, i], dx[r, i])}. The vector micro-kernel, its scalar twin
 * ({@link #multiplyAddScalar}), any thread split and any vector width therefore give the same
 * bits, and a test can repeat the product by hand.
 */
public final class TransposedGemm {
    /** Rows of dy one task runs over a decoded tile before the next task decodes it again. */
    static final int ROW_BLOCK = 256;
    /** Below this many multiply-adds (rows·out·in) a product stays on the calling thread. */
    static final long PARALLEL_WORK = 1L << 21;

    /** Outputs per tile: three strips, decoded by one {@link Panels#decode} call. */
    static final int TILE_OUTS = Panels.PANEL;
    /** Inputs per tile: the depth the forward product decodes a coded weight by. */
    static final int TILE_DEPTH = Gemm.KC;

    private static final class Scratch {
        float[] tile = new float[0];  // Wᵀ slice [depth][outs]
        float[] w = new float[0];     // the same slice as W [outs][depth]
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private TransposedGemm() {
    }

    /**
     * dx[rows, in] += dy[rows, out] · W for {@code w} = Wᵀ [in × out], with row r of dy at {@code dyOff + r·lddy} and of dx at
     * {@code dxOff + r·lddx}; on the process's kernels (vector or scalar), split across the shared
     * {@link Parallel} pool when large.
     */
    public static void multiplyAdd(Panels w, float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx,
                                   int rows) {
        boolean vector = !(KernelProvider.get() instanceof ScalarKernels);
        run(w, dy, dyOff, lddy, dx, dxOff, lddx, rows, vector);
    }

    /** The scalar twin of {@link #multiplyAdd}: the same fused multiply-adds in the same order, same bits. */
    public static void multiplyAddScalar(Panels w, float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx,
                                         int rows) {
        run(w, dy, dyOff, lddy, dx, dxOff, lddx, rows, false);
    }

    private static void run(Panels w, float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx, int rows,
                            boolean vector) {
        int out = w.n();
        int in = w.k();
        if (rows <= 0 || out == 0 || in == 0) {
            return;
        }
        int depth = TILE_DEPTH;
        int depthTiles = (in + depth - 1) / depth;
        int rowBlocks = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
        int tasks = depthTiles * rowBlocks;
        // Each task owns a block of dx (its rows, its inputs) and walks every output tile in order.
        Parallel.RangeBody body = (from, to) -> {
            Scratch s = SCRATCH.get();
            for (int task = from; task < to; task++) {
                int q = task % depthTiles;
                int r0 = task / depthTiles * ROW_BLOCK;
                column(w, q, dy, dyOff + r0 * lddy, lddy, dx, dxOff + r0 * lddx, lddx,
                        Math.min(ROW_BLOCK, rows - r0), vector, s);
            }
        };
        if (tasks > 1 && Parallel.threads() > 1 && (long) rows * out * in >= PARALLEL_WORK) {
            Parallel.forRange(tasks, body);
        } else {
            body.run(0, tasks);
        }
    }

    /** dx columns of depth tile q, rows 0..rows, over every output tile in order. */
    private static void column(Panels w, int q, float[] dy, int dyIdx, int lddy, float[] dx, int dxIdx, int lddx,
                               int rows, boolean vector, Scratch s) {
        int outs = TILE_OUTS;
        int depth = TILE_DEPTH;
        int i0 = q * depth;
        int kq = Math.min(depth, w.k() - i0);
        int size = depth * outs;
        if (s.tile.length < size) {
            s.tile = new float[size];
            s.w = new float[size];
        }
        int tiles = (w.n() + outs - 1) / outs;
        for (int t = 0; t < tiles; t++) {
            int o0 = t * outs;
            int no = Math.min(outs, w.n() - o0);
            w.decode(t * (outs / Panels.STRIP), outs / Panels.STRIP, i0, kq, s.tile, outs, vector);
            for (int j = 0; j < no; j++) {  // [kq][outs] to [no][kq]
                for (int p = 0; p < kq; p++) {
                    s.w[j * kq + p] = s.tile[p * outs + j];
                }
            }
            if (vector) {
                VectorTransposedKernel.run(dy, dyIdx + o0, lddy, s.w, no, kq, dx, dxIdx + i0, lddx, rows);
            } else {
                scalar(dy, dyIdx + o0, lddy, s.w, 0, kq, no, kq, dx, dxIdx + i0, lddx, rows);
            }
        }
    }

    /**
     * dx[r, p] = fma(dy[r, j], w[j, p], dx[r, p]) for j in order: rows × [no] against w [no][kq],
     * row j of w at {@code wOff + j·ldw}.
     */
    static void scalar(float[] dy, int dyIdx, int lddy, float[] w, int wOff, int ldw, int no, int kq, float[] dx,
                       int dxIdx, int lddx, int rows) {
        for (int r = 0; r < rows; r++) {
            int d = dxIdx + r * lddx;
            int g = dyIdx + r * lddy;
            for (int p = 0; p < kq; p++) {
                float acc = dx[d + p];
                for (int j = 0; j < no; j++) {
                    acc = Math.fma(dy[g + j], w[wOff + j * ldw + p], acc);
                }
                dx[d + p] = acc;
            }
        }
    }
}
