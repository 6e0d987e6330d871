package dev.distillery.kernel;

import static dev.distillery.testing.Numerics.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Every micro-kernel, through the one driver, against the scalar twin: bit for bit, since all of
 * them sum each element the same way ({@link MicroKernel}); and the twin itself against sums in
 * double, so the driver's blocking is proven too. Every instruction set runs on every machine: one
 * wider than the JVM compiles to runs emulated by the Vector API's Java fallback (about a
 * thousand times slower, hence the small shapes), which rounds each lane as the hardware would.
 */
class GemmParityTest {
    private static final Gemm TWIN = Gemm.of(Isa.SCALAR);
    /** Leading-dimension gap and array offset, so a stride or offset slip reads or writes the wrong cells. */
    private static final int GAP = 5;
    private static final int OFFSET = 3;

    /**
     * Against double sums: each of the k fused multiply-adds rounds once, at 2⁻²⁴ of a partial sum
     * under k (|a|, |b| ≤ 1), so two orders differ by far less than 3e-7·k; a wrong or missing term
     * (about 0.25 on average) is far outside it.
     */
    private static double atol(int k) {
        return 3e-7 * Math.max(1, k);
    }

    /** Shapes that cross every tile, panel, slice and band edge of every micro-kernel. */
    private static List<int[]> awkwardShapes() {
        List<int[]> shapes = new ArrayList<>();
        int[] ms = {1, 2, 3, 5, 6, 7, 8, 9, 13, 17};
        int[] ns = {1, 15, 16, 17, 33, 47, 48, 49, 97};
        int[] ks = {0, 1, 3, 17, Gemm.KC - 1, Gemm.KC, Gemm.KC + 1, 2 * Gemm.KC + 5};
        Random random = new Random(7);
        for (int m : ms) {
            for (int n : ns) {
                shapes.add(new int[] {m, n, ks[random.nextInt(ks.length)]});
            }
        }
        shapes.add(new int[] {Gemm.MC + 9, 50, 40}); // two bands of rows
        shapes.add(new int[] {64, 96, 384}); // one MiniLM sequence against a 96-wide slice of a weight
        return shapes;
    }

    @Test
    void everyMicroKernelMatchesTheScalarTwinBitForBit() {
        Random random = new Random(1);
        for (int[] s : awkwardShapes()) {
            for (Gemm gemm : Gemm.every()) {
                boolean accumulate = random.nextBoolean();
                checkAgainstTwin(gemm, s[0], s[1], s[2], s[2] + GAP, accumulate, Epilogue.NONE, random);
            }
        }
    }

    @Test
    void biasAndGeluInTheEpilogueMatchTheTwin() {
        Random random = new Random(2);
        for (int[] s : new int[][] {{5, 49, 70}, {8, 96, 130}, {13, 17, 3}, {1, 1, 1}}) {
            float[] bias = uniform(random, OFFSET + s[1]);
            Epilogue withBias = new Epilogue(bias, OFFSET, Epilogue.Activation.NONE);
            Epilogue withGelu = new Epilogue(bias, OFFSET, Epilogue.Activation.GELU);
            for (Gemm gemm : Gemm.every()) {
                checkAgainstTwin(gemm, s[0], s[1], s[2], s[2] + GAP, false, withBias, random);
                checkAgainstTwin(gemm, s[0], s[1], s[2], s[2] + GAP, true, withBias, random);
                checkAgainstTwin(gemm, s[0], s[1], s[2], s[2] + GAP, random.nextBoolean(), withGelu, random);
            }
        }
    }

    @Test
    void rowStridesOfWholeCachePagesAndTransposedAMatchTheTwin() {
        Random random = new Random(3);
        for (Gemm gemm : Gemm.every()) {
            // Rows whole cache pages apart, read in place.
            checkAgainstTwin(gemm, 11, 50, 129, 512, false, Epilogue.NONE, random);
            checkAgainstTwin(gemm, 9, 48, 300, 1024, true, Epilogue.NONE, random);
        }
        for (Gemm gemm : Gemm.every()) {
            for (int[] s : new int[][] {{7, 49, 33}, {Gemm.MC + 3, 20, 9}}) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                int lda = m + GAP; // Aᵀ is stored [k × m]
                float[] at = uniform(random, OFFSET + k * lda);
                float[] b = uniform(random, OFFSET + k * (n + GAP));
                float[] expected = uniform(random, OFFSET + m * (n + GAP));
                float[] actual = expected.clone();
                TWIN.multiply(true, false, at, OFFSET, lda, b, OFFSET, n + GAP, expected, OFFSET, n + GAP, m, n, k, true, false);
                gemm.multiply(true, false, at, OFFSET, lda, b, OFFSET, n + GAP, actual, OFFSET, n + GAP, m, n, k,
                        true, false);
                assertClose(expected, actual, 0, 0, gemm + " Aᵀ·B " + Arrays.toString(s));
            }
        }
    }

    @Test
    void splittingAcrossThreadsGivesTheSameBits() {
        Random random = new Random(4);
        // Tall (rows split into bands), short (panels split), and both with a narrow last panel.
        int[][] shapes = {{3 * Gemm.MC + 37, 150, 300}, {64, 1000, 260}, {5, 2000, 129}};
        for (Isa isa : new Isa[] {Isa.SCALAR, Isa.detected()}) {
            Gemm gemm = Gemm.of(isa);
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                float[] a = uniform(random, m * k);
                PackedMatrix b = PackedMatrix.of(uniform(random, k * n), 0, n, k, n, false);
                float[] alone = new float[m * n];
                float[] team = new float[m * n];
                gemm.run(false, a, 0, k, b, alone, 0, n, m, false, Epilogue.NONE, false);
                gemm.run(false, a, 0, k, b, team, 0, n, m, false, Epilogue.NONE, true);
                assertClose(alone, team, 0, 0, isa + " split " + Arrays.toString(s));
            }
        }
    }

    @Test
    void packedMatrixReadsBackItsSource() {
        Random random = new Random(5);
        int k = 2 * Gemm.KC + 3;
        int n = Panels.PANEL + 2;
        int ldb = n + GAP;
        float[] b = uniform(random, OFFSET + k * ldb); // [k, n] rows ldb apart
        PackedMatrix packed = PackedMatrix.of(b, OFFSET, ldb, k, n, false);
        float[] bt = new float[n * k]; // the same matrix stored transposed
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                assertEquals(b[OFFSET + p * ldb + j], packed.get(p, j), "B[" + p + ", " + j + "]");
                bt[j * k + p] = b[OFFSET + p * ldb + j];
            }
        }
        PackedMatrix fromTransposed = PackedMatrix.of(bt, 0, k, k, n, true);
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                assertEquals(packed.get(p, j), fromTransposed.get(p, j), "Bᵀ packed (" + p + ", " + j + ")");
            }
        }
        // Strips decoded out of the panels, as a coded weight would serve them; zero past n.
        float[] strips = new float[5 * Panels.STRIP * k];
        packed.decode(0, 5, 0, k, strips, 5 * Panels.STRIP, false);
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < 5 * Panels.STRIP; j++) {
                assertEquals(j < n ? b[OFFSET + p * ldb + j] : 0f, strips[p * 5 * Panels.STRIP + j], "strip (" + p + ", " + j + ")");
            }
        }
    }

    /**
     * C = epilogue(C₀ + A·B) by {@code gemm} and by the twin: bit for bit without an activation,
     * within the GELU's float-against-double difference with one; the twin against double sums.
     * Cells between rows of C must come back untouched.
     */
    private static void checkAgainstTwin(Gemm gemm, int m, int n, int k, int lda, boolean accumulate, Epilogue epilogue,
                                         Random random) {
        int ldc = n + GAP;
        float[] a = uniform(random, OFFSET + m * lda);
        float[] b = uniform(random, OFFSET + k * (n + GAP)); // [k, n] rows n + GAP apart
        PackedMatrix packed = PackedMatrix.of(b, OFFSET, n + GAP, k, n, false);
        float[] c0 = uniform(random, OFFSET + m * ldc);
        float[] twin = c0.clone();
        float[] actual = c0.clone();
        TWIN.run(false, a, OFFSET, lda, packed, twin, OFFSET, ldc, m, accumulate, epilogue, false);
        gemm.run(false, a, OFFSET, lda, packed, actual, OFFSET, ldc, m, accumulate, epilogue, false);
        String what = gemm + " [" + m + "×" + k + "]·[" + k + "×" + n + "] lda " + lda + (accumulate ? " +C" : "")
                + " " + epilogue.activation() + (epilogue.bias() != null ? " bias" : "");
        if (epilogue.activation() == Epilogue.Activation.NONE) {
            assertClose(twin, actual, 0, 0, what + " against the twin");
        } else {
            // The vector GELU is a float formula within 2e-7·|x| of the double one (VectorMath.gelu).
            assertClose(twin, actual, 1e-6, 1e-6, what + " against the twin");
        }
        float[] expected = c0.clone();
        reference(a, OFFSET, lda, b, OFFSET, n + GAP, expected, OFFSET, ldc, m, n, k, accumulate, epilogue);
        assertClose(expected, twin, 1e-5, atol(k), what + ": twin against double sums");
    }

    /** C = epilogue(C₀ + A·B) in double, rounded once per element; the gaps between rows of C untouched. */
    private static void reference(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                                  int m, int n, int k, boolean accumulate, Epilogue epilogue) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = accumulate ? c[cOff + i * ldc + j] : 0;
                for (int p = 0; p < k; p++) {
                    sum += (double) a[aOff + i * lda + p] * b[bOff + p * ldb + j];
                }
                if (epilogue.bias() != null) {
                    sum += epilogue.bias()[epilogue.biasOffset() + j];
                }
                if (epilogue.activation() == Epilogue.Activation.GELU) {
                    sum = 0.5 * sum * (1 + Erf.erf(sum * Erf.INV_SQRT2));
                }
                c[cOff + i * ldc + j] = (float) sum;
            }
        }
    }

    static float[] uniform(Random random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = random.nextFloat() * 2f - 1f;
        }
        return x;
    }
}
