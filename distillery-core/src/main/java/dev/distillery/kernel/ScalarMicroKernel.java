package dev.distillery.kernel;

/**
 * The scalar twin of the vector micro-kernels: the same sums, one element at a time, each started
 * from zero and accumulated with {@link Math#fma} in increasing depth, so its results are the
 * bits every vector micro-kernel must reproduce. Its 4 × 16 tile only sets how the driver cuts
 * the work; any shape would give the same bits.
 */
final class ScalarMicroKernel extends MicroKernel {
    ScalarMicroKernel() {
        super(Isa.SCALAR, 4, Panels.STRIP);
    }

    @Override
    void tile(float[] a, int aIdx, int lda, float[] b, int bIdx, int kq, float[] c, int cIdx, int ldc, boolean add) {
        shortTile(mr, a, aIdx, lda, b, bIdx, kq, c, cIdx, ldc, add);
    }

    @Override
    void shortTile(int rows, float[] a, int aIdx, int lda, float[] b, int bIdx, int kq, float[] c, int cIdx, int ldc,
                   boolean add) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < nr; j++) {
                float acc = 0f;
                for (int p = 0; p < kq; p++) {
                    acc = Math.fma(a[aIdx + r * lda + p], b[bIdx + p * Panels.PANEL + j], acc);
                }
                int idx = cIdx + r * ldc + j;
                c[idx] = add ? c[idx] + acc : acc;
            }
        }
    }
}
