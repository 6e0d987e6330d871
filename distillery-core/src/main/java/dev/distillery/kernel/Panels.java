package dev.distillery.kernel;

/**
 * The right-hand operand B [k × n] of the blocked GEMM ({@link Gemm}). Two kinds exist:
 * <ul>
 *   <li>FP32 panels the micro-kernel reads in place ({@link PackedMatrix}): {@link #PANEL} columns
 *       wide, row-major within the panel, so each depth step of a micro-kernel reads one run of
 *       contiguous floats; tiles 16 or 48 wide both read it, so one layout serves every
 *       instruction set and a weight packed once runs on any of them;</li>
 *   <li>coded weights (the low-bit formats of {@code kernel.lowbit}) that {@link #decode} a slice
 *       of depth of a few {@link #STRIP 16-column strips} into a small FP32 buffer the driver then
 *       multiplies from, so no FP32 copy of a coded weight exists beyond one such slice per thread.</li>
 * </ul>
 */
public abstract class Panels {
    /** Columns per strip, the unit coded weights decode and every tile width is a multiple of. */
    public static final int STRIP = 16;
    /** Columns per FP32 panel; every micro-kernel's tile width divides it. */
    public static final int PANEL = 48;

    private final int k;
    private final int n;

    protected Panels(int k, int n) {
        if (k < 0 || n < 0) {
            throw new IllegalArgumentException("a matrix cannot have shape [" + k + "×" + n + "]");
        }
        this.k = k;
        this.n = n;
    }

    /** Rows of B: the depth of the product. */
    public final int k() {
        return k;
    }

    /** Columns of B: the width of the product. */
    public final int n() {
        return n;
    }

    /** Strips of B, the last one zero-padded past column n. */
    public final int strips() {
        return (n + STRIP - 1) / STRIP;
    }

    /**
     * Decodes rows p0 .. p0 + kq of strips s0 .. s0 + count into {@code dst}, row-major with rows
     * {@code ldd} floats apart: B[p0 + p, 16·(s0 + i) + j] at {@code dst[p·ldd + 16·i + j]}. Strips
     * at or past {@link #strips()} and columns past n come out zero. The driver asks for p0
     * multiples of {@link Gemm#KC}, so blocks of up to KC rows are never split across calls.
     *
     * @param vector whether the Vector API may be used; false when the scalar twin multiplies, so
     *               a JVM without the vector module never reaches vector code
     */
    protected abstract void decode(int s0, int count, int p0, int kq, float[] dst, int ldd, boolean vector);

    /**
     * Whether {@link #multiplyRow} serves single-row products. A coded weight that decodes and
     * multiplies in one pass saves storing a decoded slice and reading it back, which at one row
     * (token-by-token generation, a pooler) is most of the work.
     */
    protected boolean fusesRows() {
        return false;
    }

    /**
     * For one row x: {@code c[cIdx + j] = (add ? c[cIdx + j] : 0) + Σ_{p < kq} x[xIdx + p]·B[p0 + p, 16·s0 + j]}
     * for j < {@link #PANEL}, three whole strips; each sum from zero by fused multiply-add in
     * increasing p, as {@link MicroKernel} sums, so the bits equal decoding then multiplying. Called
     * with the Vector API allowed only, p0 a multiple of {@link Gemm#KC}, strips s0 .. s0 + 3 all
     * within {@link #strips()}.
     */
    protected void multiplyRow(float[] x, int xIdx, int s0, int p0, int kq, float[] c, int cIdx, boolean add) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not fuse rows");
    }

    /** The FP32 panels [⌈n / 48⌉][k][48] the micro-kernel reads in place, or null when B is coded. */
    float[] fp32Panels() {
        return null;
    }
}
