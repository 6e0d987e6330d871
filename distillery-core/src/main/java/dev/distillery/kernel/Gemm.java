package dev.distillery.kernel;

import java.util.Arrays;

/**
 * The one blocked GEMM driver: {@code C = epilogue(C₀ + A · B)} for a right-hand operand served as
 * {@link Panels} (FP32 panels read in place, or a low-bit weight decoded a slice at a time), with
 * the innermost tile delegated to the {@link MicroKernel} of one instruction set. Blocking follows
 * Goto and van de Geijn, "Anatomy of High-Performance Matrix Multiplication" (ACM TOMS 34(3),
 * 2008); the split across threads is {@link TaskGrid}'s.
 *
 * <p>Loop nest, outermost first: a task (a band of rows of C times a group of panels, one per
 * {@link Parallel} piece); a panel of 48 columns ({@link Panels#PANEL}); a slice of depth (the
 * whole depth for FP32 panels; up to {@link #DECODED_DEPTH} rows for a coded B, decoded once
 * per slice into a per-thread buffer that stays in L2); the micro-kernel's NR-wide pieces of the
 * panel and the band's slivers of MR rows. The micro-kernel sums straight into C (the last panel, when
 * narrower than 48, into a per-thread buffer), and when the panel's depth is done the epilogue
 * adds the bias and applies the activation to the band's rows of it, in one pass, while they are
 * in cache. A
 * single row takes the micro-kernel's one-row path across the whole panel, and against a coded
 * weight that can ({@link Panels#fusesRows}) skips the slice: the weight decodes and multiplies
 * 48 columns in one pass, with the same sums.
 *
 * <p>A is read in place, row by row: the micro-kernel streams MR sequential rows, which measured
 * as fast as packed slivers without the packing pass, even at row strides of whole 4 KiB pages
 * (where the rows share cache sets). A transposed A (weight gradients) is copied band by band
 * into rows first.
 *
 * <p>Numerics: each element of C starts from its old value (when accumulating) or from its first
 * slice's sum, and the slices' sums are added in order, each slice summed from zero by fused
 * multiply-add in increasing depth (the {@link MicroKernel} contract); then the bias is added and
 * the activation applied. FP32 panels make one slice of the whole depth (measured 3–5% faster than
 * 128-row slices on MiniLM's shapes: C is written once per tile); a coded B makes slices of
 * {@link #DECODED_DEPTH} rows, so one for every weight up to that depth. Nothing depends on the
 * band height, the thread count or the split, and the scalar twin ({@code Gemm.of(Isa.SCALAR)})
 * gives the same bits as every vector micro-kernel up to the activation, which the scalar twin
 * computes in double.
 */
public final class Gemm {
    /** Coded weights' slices start at multiples of this depth, so no block of 32 or 64 inputs is split. */
    public static final int KC = 128;
    /**
     * Most rows of a coded B decoded at once: a whole panel of MiniLM's or a small decoder's weights
     * (48 × 2,048 floats, 384 KiB, stays in L2), so C is written once per tile as with FP32 panels;
     * deeper weights decode in slices of this many rows, a multiple of {@link #KC}.
     */
    static final int DECODED_DEPTH = 16 * KC;
    /** Most rows in one band (the rows a task runs each panel slice over). */
    static final int MC = 192;
    /** Bytes of A a band may hold when A is copied: it stays in L2 beside a panel of B. */
    private static final int A_BAND_BYTES = 384 * 1024;
    /** Below this many flops (2·m·n·k) a product stays on the calling thread. */
    static final long PARALLEL_FLOPS = 1L << 22;

    private static final Gemm[] BY_ISA = new Gemm[Isa.values().length];

    private final MicroKernel kernel;
    private final int mr;
    private final int nr;
    private final boolean vector;

    private Gemm(MicroKernel kernel) {
        this.kernel = kernel;
        this.mr = kernel.mr;
        this.nr = kernel.nr;
        this.vector = kernel.isa != Isa.SCALAR;
    }

    /** The driver over {@code isa}'s micro-kernel (one shared instance per instruction set). */
    public static Gemm of(Isa isa) {
        synchronized (BY_ISA) {
            Gemm g = BY_ISA[isa.ordinal()];
            if (g == null) {
                g = new Gemm(MicroKernel.of(isa));
                BY_ISA[isa.ordinal()] = g;
            }
            return g;
        }
    }

    /** A driver over each micro-kernel there is ({@link MicroKernel#every}), for the parity tests. */
    public static Gemm[] every() {
        MicroKernel[] kernels = MicroKernel.every();
        Gemm[] drivers = new Gemm[kernels.length];
        for (int i = 0; i < kernels.length; i++) {
            drivers[i] = new Gemm(kernels[i]);
        }
        return drivers;
    }

    public Isa isa() {
        return kernel.isa;
    }

    /** The micro-kernel's tile, rows × columns, for example {@code 8x48}. */
    public String tile() {
        return kernel.tile();
    }

    private static final class Scratch {
        float[] cbuf = new float[0];  // [MC][NR], a band's sums for a panel narrower than the tile
        float[] slice = new float[0]; // [depth][48], a decoded slice of a coded B
        float[] band = new float[0];  // a copied band of A, row-major
        float[] panels = new float[0]; // B packed per call, for products whose B was not packed ahead

        float[] cbuf(int size) {
            return cbuf.length >= size ? cbuf : (cbuf = new float[size]);
        }

        float[] slice(int size) {
            return slice.length >= size ? slice : (slice = new float[size]);
        }

        float[] band(int size) {
            return band.length >= size ? band : (band = new float[size]);
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * C[m × n] = epilogue(C₀ + A[m × k] · B), C₀ = C when {@code accumulate}, else zero; row i of
     * A starts at {@code aOff + i·lda}, of C at {@code cOff + i·ldc}. Large products are split
     * across the {@link Parallel} team.
     */
    public void multiply(float[] a, int aOff, int lda, Panels b, float[] c, int cOff, int ldc, int m,
                         boolean accumulate, Epilogue epilogue) {
        run(false, a, aOff, lda, b, c, cOff, ldc, m, accumulate, epilogue, true);
    }

    /**
     * C[m×n] (+)= op(A) · op(B) for operands in plain row-major arrays: op transposes A (stored
     * [k×m]) or B (stored [n×k]). B is packed into strips first, in a per-thread buffer.
     */
    void multiply(boolean transA, boolean transB, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                  float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate, boolean parallel) {
        if (m <= 0 || n <= 0) {
            return;
        }
        int panels = PackedMatrix.panels(n);
        Scratch scratch = SCRATCH.get();
        int size = Math.multiplyExact(Math.multiplyExact(panels, k), Panels.PANEL);
        if (scratch.panels.length < size) {
            scratch.panels = new float[size];
        }
        float[] packed = scratch.panels;
        boolean split = parallel && worthSplitting(m, n, k);
        Parallel.RangeBody pack = (from, to) -> PackedMatrix.packPanels(b, bOff, ldb, transB, k, n, from, to, packed);
        if (split) {
            Parallel.forRange(panels, pack);
        } else {
            pack.run(0, panels);
        }
        run(transA, a, aOff, lda, PackedMatrix.over(packed, k, n), c, cOff, ldc, m, accumulate, Epilogue.NONE, parallel);
    }

    private static boolean worthSplitting(int m, int n, int k) {
        return Parallel.threads() > 1 && 2L * m * n * Math.max(k, 1) >= PARALLEL_FLOPS;
    }

    void run(boolean transA, float[] a, int aOff, int lda, Panels b, float[] c, int cOff, int ldc, int m,
             boolean accumulate, Epilogue epilogue, boolean parallel) {
        int n = b.n();
        int k = b.k();
        if (m <= 0 || n <= 0) {
            return;
        }
        boolean split = parallel && worthSplitting(m, n, k);
        // One row against a weight that fuses decoding and multiplying skips the decoded slice.
        boolean rowMode = m == 1 && vector && b.fusesRows();
        int panels = (n + Panels.PANEL - 1) / Panels.PANEL;
        // A transposed is copied by bands (see the class comment); a copied band must stay in L2,
        // which bounds its height by the depth.
        int bandHeight = transA ? Math.max(mr, Math.min(MC, A_BAND_BYTES / (4 * Math.max(k, 1)) / mr * mr)) : MC;
        TaskGrid grid = TaskGrid.plan(m, panels, bandHeight, mr, split);
        Parallel.RangeBody body = (from, to) -> {
            Scratch scratch = SCRATCH.get();
            for (int t = from; t < to; t++) {
                int i0 = grid.firstRow(t);
                int p0 = grid.firstPanel(t);
                band(transA, a, aOff, lda, b, c, cOff, ldc, i0, grid.endRow(t) - i0,
                        p0, Math.min(panels, p0 + grid.panelsPerTask()), rowMode, accumulate, epilogue, scratch);
            }
        };
        if (split) {
            Parallel.forRange(grid.tasks(), body);
        } else {
            body.run(0, grid.tasks());
        }
    }

    /** Rows i0 .. i0 + mc of C against 48-column panels t0 .. t1, the whole depth. */
    private void band(boolean transA, float[] a, int aOff, int lda, Panels b, float[] c, int cOff,
                      int ldc, int i0, int mc, int t0, int t1, boolean rowMode, boolean accumulate,
                      Epilogue epilogue, Scratch scratch) {
        int width = Panels.PANEL;
        int k = b.k();
        int n = b.n();
        float[] pa = a;
        int aBase = aOff + i0 * lda;
        int ld = lda;
        if (transA) {
            // Row-major, k + 16 apart.
            ld = k + Panels.STRIP;
            pa = scratch.band(mc * ld);
            transposeBand(a, aOff, lda, i0, mc, k, pa, ld);
            aBase = 0;
        }
        float[] fp32 = b.fp32Panels();
        boolean finish = epilogue.bias() != null || epilogue.activation() != Epilogue.Activation.NONE;
        for (int t = t0; t < t1; t++) {
            int j0 = t * width;
            int cols = Math.min(width, n - j0);
            // A whole panel of C is summed in place; the last, narrower one in a buffer as wide as
            // the panel, whose real columns are copied out at the end.
            boolean inC = cols == width;
            float[] cc = c;
            int cBase = cOff + i0 * ldc + j0;
            int ldcc = ldc;
            if (!inC) {
                cc = scratch.cbuf(mc * width);
                cBase = 0;
                ldcc = width;
                for (int r = 0; r < mc; r++) {
                    if (accumulate) {
                        System.arraycopy(c, cOff + (i0 + r) * ldc + j0, cc, r * width, cols);
                    }
                    Arrays.fill(cc, r * width + (accumulate ? cols : 0), (r + 1) * width, 0f);
                }
            } else if (k == 0 && !accumulate) {
                for (int r = 0; r < mc; r++) {
                    Arrays.fill(c, cBase + r * ldc, cBase + r * ldc + width, 0f);
                }
            }
            int s0 = j0 / Panels.STRIP;
            boolean fused = rowMode && s0 + Panels.PANEL / Panels.STRIP <= b.strips();
            // FP32 panels are summed over the whole depth in one pass (C is written once per tile);
            // a coded B a slice at a time, the slice the decoder fills.
            int kc = fp32 != null ? Math.max(k, 1) : Math.min(Math.max(k, 1), DECODED_DEPTH);
            for (int p0 = 0; p0 < k; p0 += kc) {
                int kq = Math.min(kc, k - p0);
                // The first slice stores its sums unless C's old values (or the buffer's) count.
                boolean add = p0 > 0 || accumulate || !inC;
                if (fused) {
                    b.multiplyRow(pa, aBase + p0, s0, p0, kq, cc, cBase, add);
                    continue;
                }
                float[] pb;
                int bIdx;
                if (fp32 != null) {
                    pb = fp32;
                    bIdx = (t * k + p0) * Panels.PANEL;
                } else {
                    pb = scratch.slice(width * kc);
                    b.decode(s0, width / Panels.STRIP, p0, kq, pb, width, vector);
                    bIdx = 0;
                }
                if (mc == 1) {
                    kernel.multiplyRow(pa, aBase + p0, pb, bIdx, kq, cc, cBase, add);
                    continue;
                }
                for (int jj = 0; jj < width; jj += nr) {
                    for (int ir = 0; ir < mc; ir += mr) {
                        kernel.multiply(Math.min(mr, mc - ir), pa, aBase + ir * ld + p0, ld, pb, bIdx + jj, kq,
                                cc, cBase + ir * ldcc + jj, ldcc, add);
                    }
                }
            }
            // Bias and activation on the band's rows of the panel, in one pass over each (measured
            // 2 % of a MiniLM batch faster in JFR samples than the same pass run on each tile as
            // soon as it is stored: the GELU's constants are set up once per band, not per tile).
            if (finish) {
                finish(cc, cBase, ldcc, mc, cols, width, epilogue, j0);
            }
            if (!inC) {
                for (int r = 0; r < mc; r++) {
                    System.arraycopy(cc, r * width, c, cOff + (i0 + r) * ldc + j0, cols);
                }
            }
        }
    }

    /** Bias and activation on {@code rows} rows of C from column {@code j0}: see {@link VectorKernels#finish}. */
    private void finish(float[] c, int cIdx, int ldc, int rows, int cols, int width, Epilogue epilogue, int j0) {
        if (vector) {
            VectorKernels.finish(c, cIdx, ldc, rows, cols, width, epilogue, j0);
        } else {
            ScalarKernels.finish(c, cIdx, ldc, rows, cols, width, epilogue, j0);
        }
    }

    /** Rows i0 .. i0 + mc of A, stored transposed [k × m], into {@code dst} row-major with rows {@code ld} apart. */
    private static void transposeBand(float[] at, int aOff, int lda, int i0, int mc, int k, float[] dst, int ld) {
        for (int p = 0; p < k; p++) {
            int src = aOff + p * lda + i0;
            for (int r = 0; r < mc; r++) {
                dst[r * ld + p] = at[src + r];
            }
        }
    }

    @Override
    public String toString() {
        return "Gemm[" + kernel.isa.id() + " " + tile() + "]";
    }
}
