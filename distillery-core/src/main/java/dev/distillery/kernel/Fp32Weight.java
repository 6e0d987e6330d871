package dev.distillery.kernel;

/** An FP32 {@link LinearWeight}: Wᵀ packed in the GEMM's panel order, multiplied by {@link Kernels#matmulPacked}. */
final class Fp32Weight implements LinearWeight, TransposedGemm.Tiles {
    private final PackedMatrix wt; // Wᵀ [in, out], panel order
    private final int out;
    private final int in;

    Fp32Weight(PackedMatrix wt, int out, int in) {
        this.wt = wt;
        this.out = out;
        this.in = in;
    }

    @Override
    public int in() {
        return in;
    }

    @Override
    public int out() {
        return out;
    }

    @Override
    public long bytes() {
        return 4L * wt.k() * wt.paddedColumns();
    }

    @Override
    public void multiplyAdd(float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows) {
        KernelProvider.get().matmulPacked(x, xOff, ldx, wt, c, cOff, ldc, rows, true);
    }

    @Override
    public void multiplyTransposedAdd(float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx, int rows) {
        TransposedGemm.multiplyAdd(this, dy, dyOff, lddy, dx, dxOff, lddx, rows);
    }

    @Override
    public int tileOuts() {
        return wt.panelWidth();
    }

    @Override
    public int tileDepth() {
        return wt.depthBlock();
    }

    /** A panel of the packed Wᵀ is the tile: rows p0 .. p0 + kq, columns j0 .. j0 + panelWidth, row-major. */
    @Override
    public void transposedTile(int t, int q, float[] tile, boolean vector) {
        int pw = wt.panelWidth();
        int p0 = q * wt.depthBlock();
        int kq = Math.min(wt.depthBlock(), in - p0);
        System.arraycopy(wt.data(), p0 * wt.paddedColumns() + t * pw * kq, tile, 0, kq * pw);
    }

    @Override
    public String toString() {
        return "fp32[" + out + "×" + in + "]";
    }
}
