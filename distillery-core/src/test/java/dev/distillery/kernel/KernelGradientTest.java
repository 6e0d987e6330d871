package dev.distillery.kernel;

import static dev.distillery.testing.Numerics.assertClose;

import java.util.Random;
import java.util.function.ToDoubleFunction;

import org.junit.jupiter.api.Test;

/**
 * The backward kernels of both implementations against central finite differences of a
 * double-precision forward written here. The loss is L = Σ w ⊙ f(x) for a random w, so its
 * gradient is exactly what a backward kernel returns for dy = w.
 */
class KernelGradientTest {
    private static final Kernels[] IMPLEMENTATIONS = {new ScalarKernels(), new VectorKernels()};
    /** Step for central differences in double: truncation O(h²) ≈ 1e-10, rounding ≈ 1e-16/h ≈ 1e-11. */
    private static final double H = 1e-5;
    /**
     * The kernels compute in float from float inputs, so a gradient entry of size O(1) carries
     * errors of a few float ulps times the row length: rtol 1e-4 and atol 1e-5 leave room for that
     * while a wrong term (or a missing factor) moves entries by 1e-2 or more.
     */
    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-5;

    @Test
    void softmaxBackwardMatchesFiniteDifferences() {
        Random random = new Random(21);
        for (int cols : new int[] {1, 7, 9}) {
            int rows = 2;
            float[] x = randomFloats(random, rows * cols, 3.0);
            float[] w = randomFloats(random, rows * cols, 1.0);
            double[] numeric = numericGradient(toDouble(x), v -> weighted(w, softmax(v, rows, cols)));
            for (Kernels kernels : IMPLEMENTATIONS) {
                float[] y = x.clone();
                kernels.softmaxRows(y, 0, rows, cols);
                float[] dx = new float[rows * cols];
                kernels.softmaxRowsBackward(y, 0, w, 0, dx, 0, rows, cols);
                assertClose(numeric, toDouble(dx), RTOL, ATOL, kernels.getClass().getSimpleName() + " softmax cols=" + cols);
            }
        }
    }

    @Test
    void layerNormBackwardMatchesFiniteDifferences() {
        Random random = new Random(22);
        float eps = 1e-5f;
        for (int cols : new int[] {2, 7, 9}) {
            int rows = 2;
            float[] x = randomFloats(random, rows * cols, 2.0);
            float[] gamma = randomFloats(random, cols, 1.5);
            float[] beta = randomFloats(random, cols, 1.0);
            float[] w = randomFloats(random, rows * cols, 1.0);
            double[] g = toDouble(gamma);
            double[] b = toDouble(beta);
            double[] xd = toDouble(x);
            double[] numericDx = numericGradient(xd, v -> weighted(w, layerNorm(v, g, b, rows, cols, eps)));
            double[] numericDGamma = numericGradient(g, v -> weighted(w, layerNorm(xd, v, b, rows, cols, eps)));
            double[] numericDBeta = numericGradient(b, v -> weighted(w, layerNorm(xd, g, v, rows, cols, eps)));
            for (Kernels kernels : IMPLEMENTATIONS) {
                String who = kernels.getClass().getSimpleName() + " layer norm cols=" + cols;
                float[] y = new float[rows * cols];
                float[] mean = new float[rows];
                float[] rstd = new float[rows];
                kernels.layerNormRows(x, 0, gamma, beta, y, 0, mean, rstd, rows, cols, eps);
                float[] dx = new float[rows * cols];
                float[] dGamma = new float[cols];
                float[] dBeta = new float[cols];
                kernels.layerNormRowsBackward(x, 0, gamma, mean, rstd, w, 0, dx, 0, dGamma, dBeta, rows, cols);
                assertClose(numericDx, toDouble(dx), RTOL, ATOL, who + " dx");
                assertClose(numericDGamma, toDouble(dGamma), RTOL, ATOL, who + " dGamma");
                assertClose(numericDBeta, toDouble(dBeta), RTOL, ATOL, who + " dBeta");
            }
        }
    }

    @Test
    void geluBackwardMatchesFiniteDifferences() {
        Random random = new Random(23);
        for (int n : new int[] {1, 7, 9, 17}) {
            float[] x = randomFloats(random, n, 4.0);
            float[] w = randomFloats(random, n, 1.0);
            double[] numeric = numericGradient(toDouble(x), v -> {
                double sum = 0;
                for (int i = 0; i < v.length; i++) {
                    sum += w[i] * v[i] * 0.5 * VectorRowKernelsTest.erfc(-v[i] * Erf.INV_SQRT2);
                }
                return sum;
            });
            for (Kernels kernels : IMPLEMENTATIONS) {
                float[] dx = new float[n];
                kernels.geluBackward(x, 0, w, 0, dx, 0, n, false);
                assertClose(numeric, toDouble(dx), RTOL, ATOL, kernels.getClass().getSimpleName() + " gelu n=" + n);
            }
        }
    }

    private static double[] softmax(double[] x, int rows, int cols) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[r * cols + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                y[r * cols + j] = Math.exp(x[r * cols + j] - max);
                sum += y[r * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                y[r * cols + j] /= sum;
            }
        }
        return y;
    }

    /** (x − mean) / sqrt(var + eps) · gamma + beta per row, biased variance as in PyTorch. */
    private static double[] layerNorm(double[] x, double[] gamma, double[] beta, int rows, int cols, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int j = 0; j < cols; j++) {
                mean += x[r * cols + j];
            }
            mean /= cols;
            double var = 0;
            for (int j = 0; j < cols; j++) {
                double d = x[r * cols + j] - mean;
                var += d * d;
            }
            var /= cols;
            for (int j = 0; j < cols; j++) {
                y[r * cols + j] = (x[r * cols + j] - mean) / Math.sqrt(var + eps) * gamma[j] + beta[j];
            }
        }
        return y;
    }

    private static double weighted(float[] w, double[] y) {
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += w[i] * y[i];
        }
        return sum;
    }

    private static double[] numericGradient(double[] at, ToDoubleFunction<double[]> loss) {
        double[] grad = new double[at.length];
        for (int i = 0; i < at.length; i++) {
            double[] plus = at.clone();
            double[] minus = at.clone();
            plus[i] += H;
            minus[i] -= H;
            grad[i] = (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / (2 * H);
        }
        return grad;
    }

    private static float[] randomFloats(Random random, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
