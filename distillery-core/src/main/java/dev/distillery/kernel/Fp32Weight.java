package dev.distillery.kernel;

/** An FP32 {@link LinearWeight}: Wᵀ packed in the GEMM's panel order, multiplied by {@link Kernels#matmulPacked}. */
final class Fp32Weight implements LinearWeight {
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
    public String toString() {
        return "fp32[" + out + "×" + in + "]";
    }
}
