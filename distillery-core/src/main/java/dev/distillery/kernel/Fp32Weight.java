package dev.distillery.kernel;

/** An FP32 {@link LinearWeight}: Wᵀ packed once into strips, multiplied by the process's {@link Gemm}. */
final class Fp32Weight implements LinearWeight {
    private final PackedMatrix wt; // Wᵀ [in, out], strips
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
        return wt.bytes();
    }

    @Override
    public void multiply(Gemm gemm, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows,
                         boolean accumulate, Epilogue epilogue) {
        gemm.multiply(x, xOff, ldx, wt, c, cOff, ldc, rows, accumulate, epilogue);
    }

    @Override
    public void multiplyTransposedAdd(float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx, int rows) {
        TransposedGemm.multiplyAdd(wt, dy, dyOff, lddy, dx, dxOff, lddx, rows);
    }

    @Override
    public String toString() {
        return "fp32[" + out + "×" + in + "]";
    }
}
