package dev.distillery.kernel;

/**
 * The reference implementation of {@link Kernels}: plain loops, single-threaded, accumulating in
 * float in the natural index order. Tests compare every faster path against this class. Products
 * with a packed operand go through the blocked driver with the scalar twin micro-kernel
 * ({@code Gemm.of(Isa.SCALAR)}), the bits every vector micro-kernel reproduces.
 */
public class ScalarKernels implements Kernels {
    @Override
    public Gemm gemm() {
        return Gemm.of(Isa.SCALAR);
    }

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
            softmax(x, xOff + r * cols, cols);
        }
    }

    /** Softmax of x[off .. off + n) in place. */
    private static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x[off + j]);
        }
        float sum = 0f;
        for (int j = 0; j < n; j++) {
            float e = (float) StrictMath.exp(x[off + j] - max);
            x[off + j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = 0; j < n; j++) {
            x[off + j] *= inv;
        }
    }

    @Override
    public void attention(float[] qkv, int qOff, int kOff, int vOff, int ld, int seq, int d, float[] mask, int maskOff,
                          float[] out, int outOff, int ldo) {
        float sqrtD = (float) Math.sqrt(d);
        float[] p = new float[seq]; // the reference allocates; the vector kernels reuse scratch
        for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
                p[j] = dot(qkv, qOff + i * ld, qkv, kOff + j * ld, d) / sqrtD + mask[maskOff + j];
            }
            softmax(p, 0, seq);
            for (int t = 0; t < d; t++) {
                float sum = 0f;
                for (int j = 0; j < seq; j++) {
                    sum += p[j] * qkv[vOff + j * ld + t];
                }
                out[outOff + i * ldo + t] = sum;
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
        layerNorm(x, xOff, null, 0, gamma, beta, y, yOff, mean, rstd, rows, cols, eps);
    }

    @Override
    public void addLayerNormRows(float[] x, int xOff, float[] residual, int residualOff, float[] gamma, float[] beta,
                                 float[] y, int yOff, int rows, int cols, float eps) {
        layerNorm(x, xOff, residual, residualOff, gamma, beta, y, yOff, null, null, rows, cols, eps);
    }

    /** LayerNorm of x (+ residual when not null, rounded to float first) per row into y. */
    private static void layerNorm(float[] x, int xOff, float[] residual, int residualOff, float[] gamma, float[] beta,
                                  float[] y, int yOff, float[] mean, float[] rstd, int rows, int cols, float eps) {
        float[] h = residual == null ? x : new float[cols];
        for (int r = 0; r < rows; r++) {
            int in = residual == null ? xOff + r * cols : 0;
            if (residual != null) {
                for (int j = 0; j < cols; j++) {
                    h[j] = x[xOff + r * cols + j] + residual[residualOff + r * cols + j];
                }
            }
            float mu = 0f;
            for (int j = 0; j < cols; j++) {
                mu += h[in + j];
            }
            mu /= cols;
            float var = 0f;
            for (int j = 0; j < cols; j++) {
                float d = h[in + j] - mu;
                var += d * d;
            }
            var /= cols;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            int out = yOff + r * cols;
            for (int j = 0; j < cols; j++) {
                y[out + j] = (h[in + j] - mu) * rs * gamma[j] + beta[j];
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
            y[yOff + i] = gelu(x[xOff + i]);
        }
    }

    /** 0.5 · x · (1 + erf(x / √2)), evaluated in double. */
    static float gelu(float x) {
        double v = x;
        return (float) (0.5 * v * (1.0 + Erf.erf(v * Erf.INV_SQRT2)));
    }

    /** The scalar twin of {@link VectorKernels#finish}: the same additions, GELU in double. */
    static void finish(float[] c, int cIdx, int ldc, int rows, int cols, int width, Epilogue epilogue, int j0) {
        float[] bias = epilogue.bias();
        int bo = epilogue.biasOffset() + j0;
        boolean gelu = epilogue.activation() == Epilogue.Activation.GELU;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                int idx = cIdx + r * ldc + j;
                float v = bias != null && j < cols ? c[idx] + bias[bo + j] : c[idx];
                c[idx] = gelu ? gelu(v) : v;
            }
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
