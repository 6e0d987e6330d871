package dev.distillery.kernel;

/**
 * The reference implementation of {@link Kernels}: plain loops, single-threaded, accumulating in
 * float in the natural index order. Tests compare every faster path against this class.
 */
public class ScalarKernels implements Kernels {

    @Override
    public void matmul(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            if (!accumulate) {
                java.util.Arrays.fill(c, cRow, cRow + n, 0f);
            }
            for (int p = 0; p < k; p++) {
                float aip = a[aOff + i * lda + p];
                int bRow = bOff + p * ldb;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += aip * b[bRow + j];
                }
            }
        }
    }

    @Override
    public void matmulTransB(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = dot(a, aOff + i * lda, b, bOff + j * ldb, k);
                int idx = cOff + i * ldc + j;
                c[idx] = accumulate ? c[idx] + sum : sum;
            }
        }
    }

    @Override
    public void matmulTransA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        if (!accumulate) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
        }
        for (int p = 0; p < k; p++) {
            int bRow = bOff + p * ldb;
            for (int i = 0; i < m; i++) {
                float api = a[aOff + p * lda + i];
                int cRow = cOff + i * ldc;
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += api * b[bRow + j];
                }
            }
        }
    }

    /** Same sums, in the same order over p, as {@link #matmul}; only B is read through its panels. */
    @Override
    public void matmulPacked(float[] a, int aOff, int lda, PackedMatrix b, float[] c, int cOff, int ldc,
                             int m, boolean accumulate) {
        int n = b.n();
        int width = b.panelWidth();
        float[] data = b.data();
        if (!accumulate) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
        }
        for (int p0 = 0; p0 < b.k(); p0 += b.depthBlock()) {
            int kq = Math.min(b.depthBlock(), b.k() - p0);
            for (int j0 = 0; j0 < n; j0 += width) {
                int panel = p0 * b.paddedColumns() + j0 * kq; // [kq, width] row-major
                int cols = Math.min(width, n - j0);
                for (int i = 0; i < m; i++) {
                    int cRow = cOff + i * ldc + j0;
                    for (int p = 0; p < kq; p++) {
                        float aip = a[aOff + i * lda + p0 + p];
                        for (int j = 0; j < cols; j++) {
                            c[cRow + j] += aip * data[panel + p * width + j];
                        }
                    }
                }
            }
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void addBiasRows(float[] x, int xOff, float[] bias, int biasOff, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int row = xOff + r * cols;
            for (int j = 0; j < cols; j++) {
                x[row + j] += bias[biasOff + j];
            }
        }
    }

    @Override
    public void softmaxRows(float[] x, int xOff, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int row = xOff + r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[row + j]);
            }
            float sum = 0f;
            for (int j = 0; j < cols; j++) {
                float e = (float) StrictMath.exp(x[row + j] - max);
                x[row + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < cols; j++) {
                x[row + j] *= inv;
            }
        }
    }

    @Override
    public void softmaxRowsBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            float s = dot(dy, dyOff + r * cols, y, yOff + r * cols, cols);
            for (int j = 0; j < cols; j++) {
                dx[dxOff + r * cols + j] = y[yOff + r * cols + j] * (dy[dyOff + r * cols + j] - s);
            }
        }
    }

    @Override
    public void layerNormRows(float[] x, int xOff, float[] gamma, float[] beta, float[] y, int yOff,
                              float[] mean, float[] rstd, int rows, int cols, float eps) {
        for (int r = 0; r < rows; r++) {
            int in = xOff + r * cols;
            float mu = 0f;
            for (int j = 0; j < cols; j++) {
                mu += x[in + j];
            }
            mu /= cols;
            float var = 0f;
            for (int j = 0; j < cols; j++) {
                float d = x[in + j] - mu;
                var += d * d;
            }
            var /= cols;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            int out = yOff + r * cols;
            for (int j = 0; j < cols; j++) {
                y[out + j] = (x[in + j] - mu) * rs * gamma[j] + beta[j];
            }
            if (mean != null) {
                mean[r] = mu;
            }
            if (rstd != null) {
                rstd[r] = rs;
            }
        }
    }

    @Override
    public void layerNormRowsBackward(float[] x, int xOff, float[] gamma, float[] mean, float[] rstd,
                                      float[] dy, int dyOff, float[] dx, int dxOff,
                                      float[] dGamma, float[] dBeta, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int in = xOff + r * cols;
            int g = dyOff + r * cols;
            float mu = mean[r];
            float rs = rstd[r];
            // dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat ⊙ xhat)), dxhat = dy ⊙ gamma
            float sumDxhat = 0f;
            float sumDxhatXhat = 0f;
            for (int j = 0; j < cols; j++) {
                float xhat = (x[in + j] - mu) * rs;
                float dxhat = dy[g + j] * gamma[j];
                sumDxhat += dxhat;
                sumDxhatXhat += dxhat * xhat;
                dGamma[j] += dy[g + j] * xhat;
                dBeta[j] += dy[g + j];
            }
            float meanDxhat = sumDxhat / cols;
            float meanDxhatXhat = sumDxhatXhat / cols;
            int out = dxOff + r * cols;
            for (int j = 0; j < cols; j++) {
                float xhat = (x[in + j] - mu) * rs;
                float dxhat = dy[g + j] * gamma[j];
                dx[out + j] = rs * (dxhat - meanDxhat - xhat * meanDxhatXhat);
            }
        }
    }

    @Override
    public void gelu(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[xOff + i];
            y[yOff + i] = (float) (0.5 * v * (1.0 + Erf.erf(v * Erf.INV_SQRT2)));
        }
    }

    @Override
    public void geluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n, boolean accumulate) {
        for (int i = 0; i < n; i++) {
            double v = x[xOff + i];
            double cdf = 0.5 * (1.0 + Erf.erf(v * Erf.INV_SQRT2));
            double pdf = StrictMath.exp(-0.5 * v * v) * Erf.INV_SQRT_2PI;
            float g = (float) (dy[dyOff + i] * (cdf + v * pdf));
            dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
        }
    }
}
