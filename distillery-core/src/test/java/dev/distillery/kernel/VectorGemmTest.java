package dev.distillery.kernel;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Every matrix product of {@link VectorKernels} against its {@link ScalarKernels} twin. */
class VectorGemmTest {
    private static final Kernels VECTOR = new VectorKernels();
    private static final Kernels SCALAR = new ScalarKernels();
    private static final int LANES = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
    /** The widest tile (AVX-512's 48 columns). */
    private static final int NR = 48;
    /** Only the summation order differs (blocked over k, FMA, lanes), so a tight relative bound. */
    private static final double RTOL = 1e-5;
    /** Padding around every operand and the gap between rows, to catch stride and offset slips. */
    private static final int OFFSET = 3;
    private static final int ROW_GAP = 5;

    /** A·B, A·Bᵀ, Aᵀ·B, and A·B through the unpacked {@link Kernels#matmulSmall}. */
    private enum Form { AB, ABT, ATB, SMALL }

    /**
     * Absolute slack for entries near zero, where RTOL is useless. Each of the k additions rounds
     * at 2⁻²⁴ relative to a partial sum, and with operands in [−1, 1] partial sums stay well under
     * k, so two summation orders differ by far less than 3e-7·k; one wrong or missing term (about
     * 0.25 on average) is still far outside it.
     */
    private static double atol(int k) {
        return 3e-7 * Math.max(1, k);
    }

    @Test
    void awkwardShapesMatchScalar() {
        int[] sizes = {0, 1, 2, 3, LANES - 1, LANES, LANES + 1, NR - 1, NR + 1, 37};
        Random random = new Random(1);
        for (Form form : Form.values()) {
            for (int m : sizes) {
                for (int n : sizes) {
                    int k = sizes[random.nextInt(sizes.length)];
                    check(form, m, n, k, random.nextBoolean(), random);
                }
            }
        }
    }

    @Test
    void shapesCrossingEveryBlockBoundaryMatchScalar() {
        Random random = new Random(2);
        int[][] shapes = {
                {Gemm.MC + 1, NR * 2 + 5, Gemm.KC + 1},
                {Gemm.MC * 2 + 3, 61, 2 * Gemm.KC + 7},
                {Gemm.MC + 5, NR + 3, 3 * Gemm.KC + Gemm.KC + 9}, // two packed depth blocks
                {7, 301, 129},
                {64, 64, 32}, // one attention head: scores [64×32]·[32×64]
                {64, 32, 64}, // and values
                {130, 200, 300}, // large enough to split across threads
                {5, 1000, 260}, // few rows: the columns are split instead
                // Three row blocks, the last one short and odd, over three depth blocks, the last
                // one partial: column tasks share an A packed once, at every block's offset.
                {2 * Gemm.MC + 37, 3 * NR + 11, 2 * 3 * Gemm.KC + 50},
        };
        for (Form form : Form.values()) {
            for (int[] s : shapes) {
                check(form, s[0], s[1], s[2], false, random);
                check(form, s[0], s[1], s[2], true, random);
            }
        }
    }

    @Test
    void packedWeightMatchesScalarLinear() {
        Random random = new Random(3);
        int[][] shapes = {{1, 1, 1}, {9, 50, 7}, {64, 130, 300}, {3, NR + 1, Gemm.KC + 2}};
        for (int[] s : shapes) {
            int m = s[0];
            int out = s[1];
            int in = s[2];
            int lda = in + ROW_GAP;
            int ldc = out + ROW_GAP;
            float[] x = random(random, OFFSET + m * lda); // [m, in] rows lda apart
            float[] w = random(random, OFFSET + out * in); // [out, in], PyTorch Linear layout
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] expected = initialC(random, OFFSET + m * ldc, accumulate);
                float[] actual = expected.clone();
                SCALAR.matmulTransB(x, OFFSET, lda, w, OFFSET, in, expected, OFFSET, ldc, m, out, in, accumulate);
                PackedMatrix packed = VECTOR.pack(w, OFFSET, in, in, out, true);
                VECTOR.matmulPacked(x, OFFSET, lda, packed, actual, OFFSET, ldc, m, accumulate);
                assertClose(expected, actual, RTOL, atol(in), "packed x·Wᵀ " + Arrays.toString(s));
                // A matrix packed by the scalar twin has another panel shape: still the same product.
                float[] viaScalarPack = initialC(random, OFFSET + m * ldc, accumulate);
                float[] expectedAgain = viaScalarPack.clone();
                SCALAR.matmulTransB(x, OFFSET, lda, w, OFFSET, in, expectedAgain, OFFSET, ldc, m, out, in, accumulate);
                VECTOR.matmulPacked(x, OFFSET, lda, SCALAR.pack(w, OFFSET, in, in, out, true),
                        viaScalarPack, OFFSET, ldc, m, accumulate);
                assertClose(expectedAgain, viaScalarPack, RTOL, atol(in), "scalar-packed x·Wᵀ " + Arrays.toString(s));
                // And the scalar twin's own packed product is the reference every other one trusts.
                float[] scalarPacked = initialC(random, OFFSET + m * ldc, accumulate);
                float[] scalarPlain = scalarPacked.clone();
                SCALAR.matmulTransB(x, OFFSET, lda, w, OFFSET, in, scalarPlain, OFFSET, ldc, m, out, in, accumulate);
                SCALAR.matmulPacked(x, OFFSET, lda, SCALAR.pack(w, OFFSET, in, in, out, true),
                        scalarPacked, OFFSET, ldc, m, accumulate);
                assertClose(scalarPlain, scalarPacked, RTOL, atol(in), "scalar packed x·Wᵀ " + Arrays.toString(s));
            }
        }
    }

    @Test
    void packedMatrixReadsBackItsSource() {
        Random random = new Random(4);
        int k = 3 * Gemm.KC + 3;
        int n = NR + 2;
        int ldb = n + ROW_GAP;
        float[] b = random(random, OFFSET + k * ldb); // [k, n] rows ldb apart
        PackedMatrix packed = VECTOR.pack(b, OFFSET, ldb, k, n, false);
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                assertEquals(b[OFFSET + p * ldb + j], packed.get(p, j), "B[" + p + ", " + j + "]");
            }
        }
        float[] plain = new float[k * n]; // [k, n]
        ScalarKernels scalar = new ScalarKernels();
        float[] identity = new float[k * k];
        for (int p = 0; p < k; p++) {
            identity[p * k + p] = 1f;
        }
        scalar.matmulPacked(identity, 0, k, packed, plain, 0, n, k, false);
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                assertEquals(b[OFFSET + p * ldb + j], plain[p * n + j], "I·B[" + p + ", " + j + "]");
            }
        }
    }

    @Test
    void packRejectsAMatrixThatDoesNotFit() {
        float[] b = new float[10];
        assertThrows(IllegalArgumentException.class, () -> VECTOR.pack(b, 0, 4, 3, 4, false));
        assertThrows(IllegalArgumentException.class, () -> VECTOR.pack(b, 0, 4, -1, 4, false));
    }

    @Test
    void batchedMatchesScalar() {
        Random random = new Random(5);
        // [batch·heads] attention blocks: scores Q·Kᵀ, then probabilities·V, then a gradient Aᵀ·B.
        int[][] shapes = {{24, 64, 64, 32}, {3, 5, 7, 9}, {1, 40, 30, 20}};
        for (int[] s : shapes) {
            int batch = s[0];
            int m = s[1];
            int n = s[2];
            int k = s[3];
            for (Form form : Form.values()) {
                int lda = (form == Form.ATB ? m : k) + ROW_GAP;
                int ldb = (form == Form.ABT ? k : n) + ROW_GAP;
                int ldc = n + ROW_GAP;
                int aStride = (form == Form.ATB ? k : m) * lda + 1;
                int bStride = (form == Form.ABT ? n : k) * ldb + 2;
                int cStride = m * ldc + 3;
                float[] a = random(random, OFFSET + batch * aStride);
                float[] b = random(random, OFFSET + batch * bStride);
                for (boolean accumulate : new boolean[] {false, true}) {
                    float[] expected = initialC(random, OFFSET + batch * cStride, accumulate);
                    float[] actual = expected.clone();
                    boolean transA = form == Form.ATB;
                    boolean transB = form == Form.ABT;
                    SCALAR.matmulBatched(transA, transB, batch, a, OFFSET, aStride, lda, b, OFFSET, bStride, ldb,
                            expected, OFFSET, cStride, ldc, m, n, k, accumulate);
                    VECTOR.matmulBatched(transA, transB, batch, a, OFFSET, aStride, lda, b, OFFSET, bStride, ldb,
                            actual, OFFSET, cStride, ldc, m, n, k, accumulate);
                    assertClose(expected, actual, RTOL, atol(k), "batched " + form + " " + Arrays.toString(s));
                }
            }
        }
        assertThrows(UnsupportedOperationException.class, () -> VECTOR.matmulBatched(true, true, 1,
                new float[1], 0, 1, 1, new float[1], 0, 1, 1, new float[1], 0, 1, 1, 1, 1, 1, false));
    }

    /**
     * One product in one form with padded offsets and row strides. When not accumulating, C starts
     * as NaN so any read of the old C shows; cells between rows must come back untouched.
     */
    private static void check(Form form, int m, int n, int k, boolean accumulate, Random random) {
        int lda = (form == Form.ATB ? m : k) + ROW_GAP;
        int ldb = (form == Form.ABT ? k : n) + ROW_GAP;
        int ldc = n + ROW_GAP;
        float[] a = random(random, OFFSET + (form == Form.ATB ? k : m) * lda);
        float[] b = random(random, OFFSET + (form == Form.ABT ? n : k) * ldb);
        float[] expected = initialC(random, OFFSET + m * ldc, accumulate);
        float[] actual = expected.clone();
        run(SCALAR, form, a, lda, b, ldb, expected, ldc, m, n, k, accumulate);
        run(VECTOR, form, a, lda, b, ldb, actual, ldc, m, n, k, accumulate);
        String what = form + " m=" + m + " n=" + n + " k=" + k + " accumulate=" + accumulate;
        assertClose(expected, actual, RTOL, atol(k), what);
    }

    private static void run(Kernels kernels, Form form, float[] a, int lda, float[] b, int ldb, float[] c, int ldc,
                            int m, int n, int k, boolean accumulate) {
        switch (form) {
            case AB -> kernels.matmul(a, OFFSET, lda, b, OFFSET, ldb, c, OFFSET, ldc, m, n, k, accumulate);
            case ABT -> kernels.matmulTransB(a, OFFSET, lda, b, OFFSET, ldb, c, OFFSET, ldc, m, n, k, accumulate);
            case ATB -> kernels.matmulTransA(a, OFFSET, lda, b, OFFSET, ldb, c, OFFSET, ldc, m, n, k, accumulate);
            case SMALL -> kernels.matmulSmall(a, OFFSET, lda, b, OFFSET, ldb, c, OFFSET, ldc, m, n, k, accumulate);
        }
    }

    /** C before the product: random when accumulating, else NaN; the padding is always a marker. */
    private static float[] initialC(Random random, int size, boolean accumulate) {
        float[] c = accumulate ? random(random, size) : new float[size];
        if (!accumulate) {
            Arrays.fill(c, Float.NaN);
        }
        return c;
    }

    static float[] random(Random random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = random.nextFloat() * 2f - 1f;
        }
        return x;
    }
}
