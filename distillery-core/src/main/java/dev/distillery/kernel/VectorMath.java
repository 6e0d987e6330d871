package dev.distillery.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane functions whose results are the same bits whether the JIT has compiled the caller or not.
 *
 * <p>The Vector API leaves two things free that break reproducible training: the order in which
 * {@code reduceLanes(ADD)} sums floating-point lanes (the interpreter adds in lane order, compiled
 * code in a tree), and the approximation behind {@code lanewise(EXP)} (the interpreter calls
 * {@link Math#exp}, compiled code a vendor library). A run's first batches execute interpreted and
 * later ones compiled, so a resumed run would drift from an uninterrupted one in the last bits.
 * Everything here uses only lane-wise IEEE operations (add, multiply, fused multiply-add,
 * comparisons, integer shifts), which round identically in both modes.
 */
final class VectorMath {
    /**
     * The row kernels' vector shape: the process's instruction set ({@link Isa#chosen()}), or the
     * JVM's widest when that is scalar (only tests then reach vector code).
     */
    static final VectorSpecies<Float> S = Isa.chosen() == Isa.AVX2 ? FloatVector.SPECIES_256
            : FloatVector.SPECIES_PREFERRED;
    private static final float LOG2E = 1.44269504088896341f;
    // ln 2 split in two so n·ln2 is exact in the high part (Cody and Waite's range reduction).
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    // Adding then subtracting 1.5·2^23 rounds a float to the nearest integer, ties to even.
    private static final float ROUND = 12582912f;
    // Clamping x to these bounds costs no blend: e^-110 underflows to exactly 0 through the two
    // scale factors below, and e^89 overflows to +∞, as the true values do.
    private static final float EXP_MIN = -110f;
    private static final float EXP_MAX = 89f;

    private VectorMath() {
    }

    /** Σ of the lanes, added in lane order. */
    static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /**
     * a[from .. to) = e^a per lane, to − from a multiple of the lane count: within 2 ulp of the
     * correctly rounded value for normal results, subnormal ones rounded twice; exactly 0 far below
     * (so a −3.4e38 attention mask gives 0), +∞ above. x = n·ln2 + r with |r| ≤ ln2/2, e^r by a
     * degree-7 Taylor polynomial (truncation error below 6e-9 relative on that interval), then 2^n
     * assembled in the exponent bits.
     *
     * <p>Arrays in and out, a range per call, and the arithmetic written out in the loop: a vector
     * passed to or returned from a method C2 does not inline is boxed on the heap, and whether it
     * inlines a method of this size depends on what it compiled before (a caller compiled after the
     * callee's own large compiled body no longer inlines it). An attention kernel that called a
     * vector-taking exp in its loop ran an order of magnitude slower in the processes where the
     * call stayed, allocating a vector per call.
     */
    static void exp(float[] a, int from, int to) {
        for (int i = from; i < to; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, i);
            FloatVector clamped = x.max(EXP_MIN).min(EXP_MAX);
            FloatVector n = clamped.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), clamped);
            r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector p = FloatVector.broadcast(S, 1f / 5040f);
            p = p.fma(r, FloatVector.broadcast(S, 1f / 720f));
            p = p.fma(r, FloatVector.broadcast(S, 1f / 120f));
            p = p.fma(r, FloatVector.broadcast(S, 1f / 24f));
            p = p.fma(r, FloatVector.broadcast(S, 1f / 6f));
            p = p.fma(r, FloatVector.broadcast(S, 0.5f));
            p = p.fma(r, FloatVector.broadcast(S, 1f));
            p = p.fma(r, FloatVector.broadcast(S, 1f));
            // 2^n for n in [-159, 129]: two factors 2^(n/2), each a normal float, so the product
            // under- and overflows as e^x does.
            IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
            IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
            FloatVector scaleA = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector scaleB = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(scaleA).mul(scaleB).intoArray(a, i);
        }
    }

    /** a[off .. off + lanes) = e^a: {@link #exp(float[], int, int)} on one vector. */
    static void expInPlace(float[] a, int off) {
        exp(a, off, off + S.length());
    }

    /**
     * P(t) of erfc(z) = t·e^(−z² + P(t)), t = 1/(1 + z/2): the Chebyshev fit of {@link Erf}
     * (Numerical Recipes §6.2, fractional error below 1.2e-7), in float lanes.
     */
    static FloatVector erfcExponent(FloatVector t) {
        FloatVector poly = t.fma(0.17087277f, -0.82215223f);
        poly = poly.fma(t, FloatVector.broadcast(S, 1.48851587f));
        poly = poly.fma(t, FloatVector.broadcast(S, -1.13520398f));
        poly = poly.fma(t, FloatVector.broadcast(S, 0.27886807f));
        poly = poly.fma(t, FloatVector.broadcast(S, -0.18628806f));
        poly = poly.fma(t, FloatVector.broadcast(S, 0.09678418f));
        poly = poly.fma(t, FloatVector.broadcast(S, 0.37409196f));
        poly = poly.fma(t, FloatVector.broadcast(S, 1.00002368f));
        return poly.fma(t, FloatVector.broadcast(S, -1.26551223f));
    }

    /** Floats of GELU per pass of {@link #gelu}: its t and exponents (96 KiB) stay in L2. */
    static final int GELU_BLOCK = 12 * 1024;
    /** Per-thread scratch of {@link #gelu}: t, then the exponents, {@link #GELU_BLOCK} floats each. */
    private static final ThreadLocal<float[]> GELU_SCRATCH = ThreadLocal.withInitial(() -> new float[2 * GELU_BLOCK]);

    /**
     * y[yOff..yOff+n) = GELU(x) = x·Φ(x) for n a multiple of the lane count, y may be x. One
     * formula for every lane: Φ from erfc(|x|/√2) = t·e^(−x²/2 + P(t)), t = 1/(1 + |x|/(2√2)), the
     * Chebyshev fit of {@link Erf} (fractional error below 1.2e-7), with a single exponential; then
     * Φ = ½·erfc for x &lt; 0 and 1 − ½·erfc otherwise. The product x·Φ is accurate to 2e-7·|x|
     * absolute, which is what a forward pass needs; {@link VectorKernels#normalCdf} keeps Φ's own
     * relative accuracy in the tail for the backward pass, at three times the cost.
     */
    static void gelu(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int f = 0; f < n; f += GELU_BLOCK) {
            int m = Math.min(GELU_BLOCK, n - f);
            gelu(x, xOff + f, m, y, yOff + f, m, 1, m, null, 0);
        }
    }

    /**
     * {@link #gelu(float[], int, float[], int, int)} over {@code rows} rows of {@code width}
     * floats (a multiple of the lane count, at most {@link #GELU_BLOCK}), rows of x {@code ldx}
     * apart and of y {@code ldy}: GELU(x + bias[biasOff + j]) for column j, or of x alone when
     * {@code bias} is null. The GEMM's epilogue runs it over a band's rows of a panel.
     *
     * <p>Three passes over as many rows as fill {@link #GELU_BLOCK} floats: t and the exponent into
     * scratch, {@link #exp(float[], int, int)} on the exponents, then x·Φ; so no vector crosses a
     * call (see {@link #exp(float[], int, int)}), and the exponential's arithmetic is written once.
     * On the epilogue's bands this took 0.79–0.83× the time of a GELU calling a vector-taking
     * exponential per vector, as fast as one pass with the exponential written out in it (0.79×).
     */
    static void gelu(float[] x, int xOff, int ldx, float[] y, int yOff, int ldy, int rows, int width, float[] bias,
                     int biasOff) {
        if (width > GELU_BLOCK) {
            throw new IllegalArgumentException("GELU rows are at most " + GELU_BLOCK + " wide, not " + width);
        }
        float[] scratch = GELU_SCRATCH.get();
        int rowsPerPass = GELU_BLOCK / width;
        for (int r0 = 0; r0 < rows; r0 += rowsPerPass) {
            int r1 = Math.min(rows, r0 + rowsPerPass);
            int f = 0;
            for (int row = r0; row < r1; row++) {
                for (int i = 0; i < width; i += S.length(), f += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, xOff + row * ldx + i);
                    if (bias != null) {
                        v = v.add(FloatVector.fromArray(S, bias, biasOff + i));
                    }
                    FloatVector t = FloatVector.broadcast(S, 1f).div(v.abs().mul((float) Erf.INV_SQRT2).fma(0.5f, 1f));
                    t.intoArray(scratch, f);
                    v.mul(v).fma(FloatVector.broadcast(S, -0.5f), erfcExponent(t)).intoArray(scratch, GELU_BLOCK + f);
                }
            }
            exp(scratch, GELU_BLOCK, GELU_BLOCK + f);
            f = 0;
            for (int row = r0; row < r1; row++) {
                for (int i = 0; i < width; i += S.length(), f += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, xOff + row * ldx + i);
                    if (bias != null) {
                        v = v.add(FloatVector.fromArray(S, bias, biasOff + i));
                    }
                    FloatVector halfErfc = FloatVector.fromArray(S, scratch, f)
                            .mul(FloatVector.fromArray(S, scratch, GELU_BLOCK + f)).mul(0.5f);
                    FloatVector phi = FloatVector.broadcast(S, 1f).sub(halfErfc)
                            .blend(halfErfc, v.compare(VectorOperators.LT, 0f));
                    v.mul(phi).intoArray(y, yOff + row * ldy + i);
                }
            }
        }
    }
}
