package dev.distillery.kernel;

/**
 * The arithmetic every model in Distillery is built from, on plain arrays with offsets.
 *
 * <p>Two implementations exist: {@link ScalarKernels}, the readable reference the tests trust,
 * and {@link VectorKernels}, the Vector API path used at run time. {@link KernelProvider#get()}
 * chooses one at start-up from the instruction set ({@link Isa}); {@code -Ddistillery.kernels=scalar}
 * forces the reference. Products with a packed operand ({@link #matmulPacked}, and every
 * {@link LinearWeight}) run through the blocked driver {@link #gemm()}, whose micro-kernel is the
 * instruction set's (the scalar twin for {@link ScalarKernels}).
 *
 * <p>All matrices are row-major; {@code ld*} is the distance between consecutive rows. Matrix
 * products may split work across the shared {@link Parallel} pool; every other method runs on the
 * calling thread. When {@code accumulate} is false the output is overwritten, otherwise added to.
 *
 * <p>Example: with {@code a = {1, 2}} (1×2) and {@code b = {3, 4}} (2×1),
 * {@code matmul(a, 0, 2, b, 0, 1, c, 0, 1, 1, 1, 2, false)} leaves {@code c[0] == 11}.
 */
public interface Kernels {

    /** The blocked GEMM driver, bound to this implementation's micro-kernel. */
    Gemm gemm();

    /** The instruction set of {@link #gemm()}'s micro-kernel. */
    default Isa isa() {
        return gemm().isa();
    }

    /** C[m×n] (+)= A[m×k] · B[k×n]. */
    void matmul(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate);

    /** C[m×n] (+)= A[m×k] · B[n×k]ᵀ, the shape of {@code x · Wᵀ} for a PyTorch Linear weight W. */
    void matmulTransB(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate);

    /** C[m×n] (+)= A[k×m]ᵀ · B[k×n], the shape of a weight gradient {@code dYᵀ · X}. */
    void matmulTransA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate);

    /**
     * {@code batch} independent products C_i (+)= op(A_i) · op(B_i), where op transposes when asked
     * and item i starts at {@code off + i * stride} in each array: the shape of attention over
     * [batch · heads] blocks. Transposing both operands is not supported.
     */
    default void matmulBatched(boolean transA, boolean transB, int batch,
                               float[] a, int aOff, int aStride, int lda,
                               float[] b, int bOff, int bStride, int ldb,
                               float[] c, int cOff, int cStride, int ldc,
                               int m, int n, int k, boolean accumulate) {
        if (transA && transB) {
            throw new UnsupportedOperationException("matmulBatched with both operands transposed");
        }
        for (int i = 0; i < batch; i++) {
            int ai = aOff + i * aStride;
            int bi = bOff + i * bStride;
            int ci = cOff + i * cStride;
            if (transA) {
                matmulTransA(a, ai, lda, b, bi, ldb, c, ci, ldc, m, n, k, accumulate);
            } else if (transB) {
                matmulTransB(a, ai, lda, b, bi, ldb, c, ci, ldc, m, n, k, accumulate);
            } else {
                matmul(a, ai, lda, b, bi, ldb, c, ci, ldc, m, n, k, accumulate);
            }
        }
    }

    /**
     * {@link #matmul} for products small enough to stay in L1 (one attention head): same result
     * up to summation order, on the calling thread, with no packing of either operand.
     */
    default void matmulSmall(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        matmul(a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate);
    }

    /**
     * Rearranges a constant right-hand operand B[k×n] once for {@link #matmulPacked}; when
     * {@code transposed} the array holds Bᵀ[n×k], as a PyTorch Linear weight [out×in] does. The
     * layout serves every instruction set ({@link PackedMatrix}).
     */
    default PackedMatrix pack(float[] b, int bOff, int ldb, int k, int n, boolean transposed) {
        return PackedMatrix.of(b, bOff, ldb, k, n, transposed);
    }

    /**
     * C[m×n] (+)= A[m×k] · B for a B made by {@link #pack}: the same product as {@link #matmul}
     * or {@link #matmulTransB}, without re-packing B on every call, through {@link #gemm()}. Example,
     * a Linear layer: {@code PackedMatrix wt = kernels.pack(w, 0, in, in, out, true);} once, then
     * per batch {@code kernels.matmulPacked(x, 0, in, wt, y, 0, out, tokens, false)} gives y = x · Wᵀ.
     */
    default void matmulPacked(float[] a, int aOff, int lda, PackedMatrix b, float[] c, int cOff, int ldc,
                              int m, boolean accumulate) {
        gemm().multiply(a, aOff, lda, b, c, cOff, ldc, m, accumulate, Epilogue.NONE);
    }

    /** Σ a[i]·b[i] over n elements. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** y[i] += alpha · x[i]. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** Adds {@code bias[0..cols)} to each of {@code rows} rows of width {@code cols}. */
    void addBiasRows(float[] x, int xOff, float[] bias, int biasOff, int rows, int cols);

    /** Numerically stable softmax of each row, in place. */
    void softmaxRows(float[] x, int xOff, int rows, int cols);

    /** dx = y ⊙ (dy − Σ(dy ⊙ y)) per row, where y is the softmax output. */
    void softmaxRowsBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols);

    /**
     * y = (x − mean) / sqrt(var + eps) · gamma + beta per row, with the biased variance as PyTorch
     * uses; {@code mean} and {@code rstd} (one per row, may be null) receive what backward needs.
     */
    void layerNormRows(float[] x, int xOff, float[] gamma, float[] beta, float[] y, int yOff,
                       float[] mean, float[] rstd, int rows, int cols, float eps);

    /**
     * y = LayerNorm(x + residual) per row, the residual connection and the norm of a post-LN block in
     * one call: the sum is formed in the norm's first pass over each row, so it is never a pass of
     * its own over the whole matrix. The sum is rounded to float before the norm, as PyTorch's
     * {@code LayerNorm(h + input)} does; y may be x or residual.
     */
    void addLayerNormRows(float[] x, int xOff, float[] residual, int residualOff, float[] gamma, float[] beta,
                          float[] y, int yOff, int rows, int cols, float eps);

    /**
     * One head of scaled dot-product attention over one sequence, the softmax inside the loop:
     * {@code out[i] = Σ_j softmax_j(q_i·k_j / √d + mask[j]) · v_j} for i, j < seq, where q_i, k_j and
     * v_j are the d-long rows at {@code qOff + i·ld}, {@code kOff + j·ld} and {@code vOff + j·ld}
     * (so one fused Q/K/V product serves every head in place) and {@code mask[maskOff + j]} is added
     * per key (0 or a large negative number). Queries are taken a block at a time, so the scores
     * held at once are a block × seq, in L1 for a 64-token sequence; scratch is per thread and
     * reused, so a call allocates nothing once warm. Division by √d, then the mask, as Hugging Face
     * rounds.
     */
    void attention(float[] qkv, int qOff, int kOff, int vOff, int ld, int seq, int d, float[] mask, int maskOff,
                   float[] out, int outOff, int ldo);

    /** Gradients of {@link #layerNormRows}: writes dx and accumulates into dGamma and dBeta. */
    void layerNormRowsBackward(float[] x, int xOff, float[] gamma, float[] mean, float[] rstd,
                               float[] dy, int dyOff, float[] dx, int dxOff,
                               float[] dGamma, float[] dBeta, int rows, int cols);

    /** y = x · Φ(x) = 0.5 · x · (1 + erf(x / √2)), the exact GELU of BERT; y may be x itself (in place). */
    void gelu(float[] x, int xOff, float[] y, int yOff, int n);

    /** dx (+)= dy · (Φ(x) + x · φ(x)). */
    void geluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n, boolean accumulate);
}
