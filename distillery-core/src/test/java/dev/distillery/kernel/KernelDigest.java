package dev.distillery.kernel;

import java.util.Arrays;
import java.util.Random;

/**
 * Runs every vector row kernel and a GEMM on fixed inputs and prints one hash of the output bits.
 * {@link InterpretedAndCompiledAgreeTest} compares the hash of a JVM that never compiles ({@code -Xint})
 * with one taken after the JIT has compiled the kernels.
 */
final class KernelDigest {
    private KernelDigest() {
    }

    static int digest(Kernels k) {
        Random random = new Random(11);
        int rows = 3;
        int cols = 77; // not a multiple of any vector width: tails run too
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * 3f;
        }
        float[] gamma = x.clone();
        float[] beta = new float[cols];
        float[] soft = x.clone();
        k.softmaxRows(soft, 0, rows, cols);
        float[] dSoft = new float[x.length];
        k.softmaxRowsBackward(soft, 0, x, 0, dSoft, 0, rows, cols);
        float[] norm = new float[x.length];
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        k.layerNormRows(x, 0, gamma, beta, norm, 0, mean, rstd, rows, cols, 1e-12f);
        float[] dNorm = new float[x.length];
        float[] dGamma = new float[cols];
        float[] dBeta = new float[cols];
        k.layerNormRowsBackward(x, 0, gamma, mean, rstd, soft, 0, dNorm, 0, dGamma, dBeta, rows, cols);
        float[] gelu = new float[x.length];
        k.gelu(x, 0, gelu, 0, x.length);
        float[] dGelu = new float[x.length];
        k.geluBackward(x, 0, soft, 0, dGelu, 0, x.length, false);
        float[] product = new float[rows * rows];
        k.matmulTransB(x, 0, cols, norm, 0, cols, product, 0, rows, rows, rows, cols, false);
        float dot = k.dot(x, 0, gelu, 0, x.length);
        // The blocked driver with its micro-kernel and a bias-and-GELU epilogue: [3×77]·[77×50].
        float[] linear = new float[rows * 50];
        LinearWeight w = LinearWeight.fp32(Arrays.copyOf(x, 50 * cols), 50, cols);
        w.multiply(k.gemm(), x, 0, cols, linear, 0, 50, rows, false, Epilogue.of(gamma, Epilogue.Activation.GELU));
        return Arrays.deepHashCode(new Object[] {soft, dSoft, norm, mean, rstd, dNorm, dGamma, dBeta, gelu, dGelu,
                product, new float[] {dot}, linear});
    }

    public static void main(String[] args) {
        System.out.println(digest(new VectorKernels()));
    }
}
