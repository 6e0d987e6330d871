package dev.distillery.kernel;

/**
 * A constant weight W [out, in] of a linear layer (PyTorch {@code Linear} layout), held in
 * whatever form its format chooses (packed FP32 panels, INT8 codes, 4-bit blocks) and multiplied
 * without ever materialising an FP32 copy of W beyond one cache-sized tile per thread.
 *
 * <p>Life cycle: build once ({@link #fp32}, or the low-bit factories of
 * {@code dev.distillery.kernel.lowbit.QuantizedWeights}), then call {@link #multiplyAdd} from any
 * number of threads; implementations are immutable. Example: with W = [[1, 2]] (out 1, in 2) and
 * x = [[3, 4]], {@code multiplyAdd(x, 0, 2, c, 0, 1, 1)} adds 11 to {@code c[0]}.
 */
public interface LinearWeight {
    /** Columns of W: the width of each input row. */
    int in();

    /** Rows of W: the width of each output row. */
    int out();

    /** Bytes of weight data this object keeps reachable (codes, scales, tables; not its header). */
    long bytes();

    /**
     * c[rows, out] = epilogue(C₀ + x[rows, in] · Wᵀ) on {@code gemm}'s micro-kernel, with C₀ the old
     * c when {@code accumulate}, else zero; row r of x at {@code xOff + r·ldx}, of c at
     * {@code cOff + r·ldc}. Large products split across the shared {@link Parallel} pool.
     */
    void multiply(Gemm gemm, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows, boolean accumulate,
                  Epilogue epilogue);

    /** {@link #multiply(Gemm, float[], int, int, float[], int, int, int, boolean, Epilogue)} on the process's kernels. */
    default void multiply(float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows, boolean accumulate,
                          Epilogue epilogue) {
        multiply(KernelProvider.get().gemm(), x, xOff, ldx, c, cOff, ldc, rows, accumulate, epilogue);
    }

    /** c[rows, out] += x[rows, in] · Wᵀ on the process's kernels. */
    default void multiplyAdd(float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows) {
        multiply(x, xOff, ldx, c, cOff, ldc, rows, true, Epilogue.NONE);
    }

    /**
     * dx[rows, in] += dy[rows, out] · W, the input gradient of {@link #multiplyAdd} (backward
     * through a frozen layer), computed from W as held: a coded weight decodes one tile at a time
     * ({@link TransposedGemm}). Row r of dy at {@code dyOff + r·lddy}, of dx at {@code dxOff + r·lddx}.
     * Each dx element takes one fused multiply-add per output o = 0 .. out − 1 in order, starting
     * from its old value, so the result is the same bits on every path and thread split.
     */
    void multiplyTransposedAdd(float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx, int rows);

    /** W [out, in] (row-major from {@code w[0]}) packed once for {@link Kernels#matmulPacked}. */
    static LinearWeight fp32(float[] w, int out, int in) {
        if (w.length < (long) out * in) {
            throw new IllegalArgumentException("an FP32 weight [" + out + "×" + in + "] needs " + (long) out * in
                    + " floats, got " + w.length);
        }
        return new Fp32Weight(PackedMatrix.of(w, 0, in, in, out, true), out, in);
    }

    /**
     * W = [W₀; W₁; …] stacked along {@code out}: one product per part, each writing its own
     * column range of c. Used to fuse Q, K and V when their formats cannot be concatenated
     * (per-tensor scales, blocks crossing the tensor boundary).
     */
    static LinearWeight stack(LinearWeight... parts) {
        return new StackedWeight(parts);
    }
}
