package dev.distillery.kernel;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels} on the JDK Vector API. Matrix products run through the blocked driver
 * ({@link Gemm}) with one instruction set's micro-kernel; row and element kernels run at the
 * process's vector width ({@link Isa#chosen()}: 16 lanes with AVX-512, 8 with AVX2) and
 * follow one loop shape: a vector body up to {@code loopBound}, fused multiply-adds into vector
 * accumulators, one lane sum in a fixed order ({@link VectorMath#sum}), then a scalar tail.
 *
 * <p>Results differ from {@link ScalarKernels} only by summation order, FMA rounding and, for
 * softmax, the vector {@code exp}: a few units in the last place, which the tests bound.
 */
public final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    /** Products with fewer rows than this (or, for A·Bᵀ, columns) skip packing B: it would cost as much as the arithmetic. */
    static final int SKINNY = 4;

    private final Gemm gemm;

    /** The kernels of the process's instruction set ({@link Isa#chosen()}), or the widest the JVM offers when that is scalar. */
    public VectorKernels() {
        this(Isa.chosen() != Isa.SCALAR ? Isa.chosen() : Isa.detected());
    }

    /** Matrix products on {@code isa}'s micro-kernel; the row kernels use the process's vector width. */
    public VectorKernels(Isa isa) {
        if (isa == Isa.SCALAR) {
            throw new IllegalArgumentException("VectorKernels needs a vector instruction set; ScalarKernels is the scalar one");
        }
        this.gemm = Gemm.of(isa);
    }

    @Override
    public Gemm gemm() {
        return gemm;
    }

    /**
     * The vector shape of the row kernels and of the low-bit decoders: the process's instruction
     * set's ({@link Isa#chosen()}), or the JVM's widest when that is scalar.
     */
    public static VectorSpecies<Float> species() {
        return S;
    }

    @Override
    public void matmul(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        product(false, false, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate, true);
    }

    @Override
    public void matmulTransB(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        product(false, true, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate, true);
    }

    @Override
    public void matmulTransA(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        product(true, false, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate, true);
    }

    /** Splits over batch items when the whole job is large; each item then runs single-threaded. */
    @Override
    public void matmulBatched(boolean transA, boolean transB, int batch,
                              float[] a, int aOff, int aStride, int lda,
                              float[] b, int bOff, int bStride, int ldb,
                              float[] c, int cOff, int cStride, int ldc,
                              int m, int n, int k, boolean accumulate) {
        if (transA && transB) {
            throw new UnsupportedOperationException("matmulBatched with both operands transposed");
        }
        if (batch == 1) {
            product(transA, transB, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate, true);
            return;
        }
        Parallel.RangeBody body = (from, to) -> {
            for (int i = from; i < to; i++) {
                product(transA, transB, a, aOff + i * aStride, lda, b, bOff + i * bStride, ldb,
                        c, cOff + i * cStride, ldc, m, n, k, accumulate, false);
            }
        };
        if (2L * batch * m * n * k >= Gemm.PARALLEL_FLOPS) {
            Parallel.forRange(batch, body);
        } else {
            body.run(0, batch);
        }
    }

    /** The driver, or dot products and axpys for skinny products, which packing would not repay. */
    private void product(boolean transA, boolean transB, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate, boolean parallel) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        if (m < SKINNY || transB && n < SKINNY) {
            skinny(transA, transB, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate);
            return;
        }
        gemm.multiply(transA, transB, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate, parallel);
    }

    /** Products with very few rows (or, for A·Bᵀ, columns): dot products and axpys, no packing. */
    private static void skinny(boolean transA, boolean transB, float[] a, int aOff, int lda, float[] b, int bOff,
                               int ldb, float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        if (transB && !transA) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = dotVector(a, aOff + i * lda, b, bOff + j * ldb, k);
                    int idx = cOff + i * ldc + j;
                    c[idx] = accumulate ? c[idx] + sum : sum;
                }
            }
            return;
        }
        assert !transB : "both operands transposed";
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            if (!accumulate) {
                java.util.Arrays.fill(c, cRow, cRow + n, 0f);
            }
            for (int p = 0; p < k; p++) {
                float aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                axpyVector(aip, b, bOff + p * ldb, c, cRow, n);
            }
        }
    }

    @Override
    public void matmulSmall(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc, int m, int n, int k, boolean accumulate) {
        VectorSmallGemm.gemm(a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, k, accumulate);
    }

    /**
     * The epilogue of {@link Gemm} on {@code rows} rows of C in place: add the bias of columns
     * j0 .. j0 + cols, then apply the activation over {@code width} columns, the tile's width (a
     * multiple of the lane count, so every column's value comes from the same vector formula).
     */
    static void finish(float[] c, int cIdx, int ldc, int rows, int cols, int width, Epilogue epilogue, int j0) {
        float[] bias = epilogue.bias();
        int bo = epilogue.biasOffset() + j0;
        boolean gelu = epilogue.activation() == Epilogue.Activation.GELU;
        if (gelu && (bias == null || cols == width)) {
            // The usual case, bias and GELU in one pass: each vector loaded and stored once.
            VectorMath.gelu(c, cIdx, ldc, c, cIdx, ldc, rows, width, bias, bo);
            return;
        }
        // A narrow last panel's buffer is wider than its columns, and the bias covers these only:
        // the bias first, the vector holding the last column one element at a time, then the GELU.
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                int row = cIdx + r * ldc;
                int j = 0;
                for (; j + L <= cols; j += L) {
                    FloatVector.fromArray(S, c, row + j).add(FloatVector.fromArray(S, bias, bo + j)).intoArray(c, row + j);
                }
                for (; j < cols; j++) {
                    c[row + j] += bias[bo + j];
                }
            }
        }
        if (gelu) {
            VectorMath.gelu(c, cIdx, ldc, c, cIdx, ldc, rows, width, null, 0);
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return dotVector(a, aOff, b, bOff, n);
    }

    static float dotVector(float[] a, int aOff, float[] b, int bOff, int n) {
        // Two accumulators hide the FMA latency; more gain nothing at these lengths.
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int i = 0;
        int bound2 = n - 2 * L + 1;
        for (; i < bound2; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), acc1);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
        }
        float sum = VectorMath.sum(acc0.add(acc1));
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        axpyVector(alpha, x, xOff, y, yOff, n);
    }

    static void axpyVector(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void addBiasRows(float[] x, int xOff, float[] bias, int biasOff, int rows, int cols) {
        int bound = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int row = xOff + r * cols;
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, x, row + j).add(FloatVector.fromArray(S, bias, biasOff + j))
                        .intoArray(x, row + j);
            }
            for (; j < cols; j++) {
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

    /**
     * Softmax of x[off .. off + n) in place: the maximum subtracted, {@link VectorMath#exp} on the
     * range, then divided through by the sum.
     */
    private static void softmax(float[] x, int off, int n) {
        int bound = S.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j < bound; j += L) {
            vmax = vmax.max(FloatVector.fromArray(S, x, off + j));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            max = Math.max(max, x[off + j]);
        }
        FloatVector vm = FloatVector.broadcast(S, max);
        for (j = 0; j < bound; j += L) {
            FloatVector.fromArray(S, x, off + j).sub(vm).intoArray(x, off + j);
        }
        VectorMath.exp(x, off, off + bound);
        FloatVector vsum = FloatVector.zero(S);
        for (j = 0; j < bound; j += L) {
            vsum = vsum.add(FloatVector.fromArray(S, x, off + j));
        }
        float sum = VectorMath.sum(vsum);
        for (; j < n; j++) {
            float e = (float) StrictMath.exp(x[off + j] - max);
            x[off + j] = e;
            sum += e;
        }
        FloatVector vinv = FloatVector.broadcast(S, 1f / sum);
        for (j = 0; j < bound; j += L) {
            FloatVector.fromArray(S, x, off + j).mul(vinv).intoArray(x, off + j);
        }
        float inv = 1f / sum;
        for (; j < n; j++) {
            x[off + j] *= inv;
        }
    }

    /**
     * Queries per block of {@link #attention}: four vectors, one query per lane. A block's scores
     * are held key by key, [seq × block], so the softmax over keys runs down columns of lanes.
     */
    private static final int QUERY_BLOCK = 4 * L;
    /**
     * Per-thread scratch of {@link #attention}, grown on demand: a query block transposed
     * [d × block], its scores [seq × block], 1 / Σ [block], and the head's queries, keys and values
     * copied contiguous [3 × seq × d].
     */
    private static final ThreadLocal<float[][]> ATTENTION = ThreadLocal.withInitial(() -> new float[4][0]);

    /**
     * Scaled dot-product attention for one head (see {@link Kernels#attention}), a block of up to
     * {@link #QUERY_BLOCK} queries at a time, one query per vector lane:
     * <ol>
     *   <li>the head's queries, keys and values copied into one contiguous buffer, once per call;</li>
     *   <li>the block's queries transposed, [d × width], width the block's queries rounded up to
     *       whole vectors, lanes past the last query zero;</li>
     *   <li>scores key by key: row j of the block's scores is k_j times the transposed queries,
     *       divided by √d, plus the key's mask, with each lane's running maximum;</li>
     *   <li>e^(score − max) in place, with each lane's sum;</li>
     *   <li>each query's context, Σ_j e_ij·v_j times 1 / Σ_j e_ij, four queries by two vectors (or
     *       one) of the head at a time.</li>
     * </ol>
     * Every reduction runs across keys within a lane, so none is horizontal. The copy is the one
     * pass over the fused Q/K/V rows, whose stride (3 × hidden floats) maps a head's rows onto a few
     * L1 sets and whose lines come from L3 after the product that wrote them: its independent
     * vector loads keep many misses in flight, where the scores' and the context's repeated reads
     * met them one at a time. A short sequence (a URL of 20–30 tokens) fills one or two vectors of
     * queries and computes no scores for the empty lanes.
     */
    @Override
    public void attention(float[] qkv, int qOff, int kOff, int vOff, int ld, int seq, int d, float[] mask, int maskOff,
                          float[] out, int outOff, int ldo) {
        float[][] scratch = ATTENTION.get();
        if (scratch[0].length < d * QUERY_BLOCK) {
            scratch[0] = new float[d * QUERY_BLOCK];
        }
        if (scratch[1].length < seq * QUERY_BLOCK) {
            scratch[1] = new float[seq * QUERY_BLOCK];
        }
        if (scratch[2].length < QUERY_BLOCK) {
            scratch[2] = new float[QUERY_BLOCK];
        }
        if (scratch[3].length < 3 * seq * d) {
            scratch[3] = new float[3 * seq * d];
        }
        float[] qt = scratch[0];
        float[] scores = scratch[1];
        float[] inv = scratch[2];
        float[] heads = scratch[3];
        int keys = seq * d;
        int values = 2 * seq * d;
        copyHead(qkv, qOff, kOff, vOff, ld, seq, d, heads);
        for (int i0 = 0; i0 < seq; i0 += QUERY_BLOCK) {
            int rows = Math.min(QUERY_BLOCK, seq - i0);
            int width = (rows + L - 1) / L * L;
            for (int r = 0; r < rows; r++) {
                int q = (i0 + r) * d;
                for (int c = 0; c < d; c++) {
                    qt[c * QUERY_BLOCK + r] = heads[q + c];
                }
            }
            if (rows < width) {
                for (int c = 0; c < d; c++) {
                    Arrays.fill(qt, c * QUERY_BLOCK + rows, c * QUERY_BLOCK + width, 0f);
                }
            }
            if (width == QUERY_BLOCK) {
                scores(heads, keys, seq, d, mask, maskOff, qt, scores, inv);
            } else {
                narrowScores(heads, keys, seq, d, mask, maskOff, qt, width, scores, inv);
            }
            softmaxOverKeys(scores, seq, width, inv);
            context(heads, values, seq, d, scores, inv, rows, out, outOff + i0 * ldo, ldo);
        }
    }

    /** Rows j &lt; seq of a head's queries, keys and values, d floats each, into {@code heads}: [Q; K; V], each [seq × d]. */
    private static void copyHead(float[] qkv, int qOff, int kOff, int vOff, int ld, int seq, int d, float[] heads) {
        int bound = S.loopBound(d);
        int keys = seq * d;
        int values = 2 * seq * d;
        for (int j = 0; j < seq; j++) {
            int row = j * ld;
            int to = j * d;
            int c = 0;
            for (; c < bound; c += L) {
                FloatVector.fromArray(S, qkv, qOff + row + c).intoArray(heads, to + c);
                FloatVector.fromArray(S, qkv, kOff + row + c).intoArray(heads, keys + to + c);
                FloatVector.fromArray(S, qkv, vOff + row + c).intoArray(heads, values + to + c);
            }
            for (; c < d; c++) {
                heads[to + c] = qkv[qOff + row + c];
                heads[keys + to + c] = qkv[kOff + row + c];
                heads[values + to + c] = qkv[vOff + row + c];
            }
        }
    }

    /**
     * Step 3 of {@link #attention} for a whole block: scores[j][lane] = q·k_j / √d + mask[j], each
     * sum by fused multiply-add in increasing c, and each lane's maximum over the keys into max.
     */
    private static void scores(float[] heads, int kOff, int seq, int d, float[] mask, int maskOff, float[] qt,
                               float[] scores, float[] max) {
        float sqrtD = (float) Math.sqrt(d);
        FloatVector max0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        FloatVector max1 = max0;
        FloatVector max2 = max0;
        FloatVector max3 = max0;
        for (int j = 0; j < seq; j++) {
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            int k = kOff + j * d;
            for (int c = 0; c < d; c++) {
                FloatVector x = FloatVector.broadcast(S, heads[k + c]);
                int t = c * QUERY_BLOCK;
                s0 = FloatVector.fromArray(S, qt, t).fma(x, s0);
                s1 = FloatVector.fromArray(S, qt, t + L).fma(x, s1);
                s2 = FloatVector.fromArray(S, qt, t + 2 * L).fma(x, s2);
                s3 = FloatVector.fromArray(S, qt, t + 3 * L).fma(x, s3);
            }
            float m = mask == null ? 0f : mask[maskOff + j];
            int row = j * QUERY_BLOCK;
            s0 = s0.div(sqrtD).add(m);
            s1 = s1.div(sqrtD).add(m);
            s2 = s2.div(sqrtD).add(m);
            s3 = s3.div(sqrtD).add(m);
            s0.intoArray(scores, row);
            s1.intoArray(scores, row + L);
            s2.intoArray(scores, row + 2 * L);
            s3.intoArray(scores, row + 3 * L);
            max0 = max0.max(s0);
            max1 = max1.max(s1);
            max2 = max2.max(s2);
            max3 = max3.max(s3);
        }
        max0.intoArray(max, 0);
        max1.intoArray(max, L);
        max2.intoArray(max, 2 * L);
        max3.intoArray(max, 3 * L);
    }

    /**
     * {@link #scores} for a block narrower than {@link #QUERY_BLOCK} ({@code width} lanes, a
     * multiple of the vector length): a vector of queries at a time against four keys at once.
     * Same sums, same bits. It serves whole blocks as fast on the 512-bit path, but on the 256-bit
     * path the whole-block loop (four vectors of queries per key) took 0.72× of the row-wise
     * kernel's time per head at MiniLM's shape where this one took 0.81×, so both stay.
     */
    private static void narrowScores(float[] heads, int kOff, int seq, int d, float[] mask, int maskOff, float[] qt,
                                     int width, float[] scores, float[] max) {
        float sqrtD = (float) Math.sqrt(d);
        for (int v = 0; v < width; v += L) {
            FloatVector top = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            int j = 0;
            for (; j + 4 <= seq; j += 4) {
                FloatVector s0 = FloatVector.zero(S);
                FloatVector s1 = s0;
                FloatVector s2 = s0;
                FloatVector s3 = s0;
                int k = kOff + j * d;
                for (int c = 0; c < d; c++) {
                    FloatVector q = FloatVector.fromArray(S, qt, c * QUERY_BLOCK + v);
                    s0 = q.fma(FloatVector.broadcast(S, heads[k + c]), s0);
                    s1 = q.fma(FloatVector.broadcast(S, heads[k + d + c]), s1);
                    s2 = q.fma(FloatVector.broadcast(S, heads[k + 2 * d + c]), s2);
                    s3 = q.fma(FloatVector.broadcast(S, heads[k + 3 * d + c]), s3);
                }
                s0 = s0.div(sqrtD).add(mask == null ? 0f : mask[maskOff + j]);
                s1 = s1.div(sqrtD).add(mask == null ? 0f : mask[maskOff + j + 1]);
                s2 = s2.div(sqrtD).add(mask == null ? 0f : mask[maskOff + j + 2]);
                s3 = s3.div(sqrtD).add(mask == null ? 0f : mask[maskOff + j + 3]);
                int row = j * QUERY_BLOCK + v;
                s0.intoArray(scores, row);
                s1.intoArray(scores, row + QUERY_BLOCK);
                s2.intoArray(scores, row + 2 * QUERY_BLOCK);
                s3.intoArray(scores, row + 3 * QUERY_BLOCK);
                top = top.max(s0).max(s1).max(s2).max(s3);
            }
            for (; j < seq; j++) {
                FloatVector s0 = FloatVector.zero(S);
                int k = kOff + j * d;
                for (int c = 0; c < d; c++) {
                    s0 = FloatVector.fromArray(S, qt, c * QUERY_BLOCK + v).fma(FloatVector.broadcast(S, heads[k + c]), s0);
                }
                s0 = s0.div(sqrtD).add(mask == null ? 0f : mask[maskOff + j]);
                s0.intoArray(scores, j * QUERY_BLOCK + v);
                top = top.max(s0);
            }
            top.intoArray(max, v);
        }
    }

    /**
     * Step 4 of {@link #attention}: scores[j][lane] = e^(scores[j][lane] − max[lane]) for the
     * first {@code width} lanes, then {@code maxThenInv}[lane] = 1 / Σ_j of them.
     */
    private static void softmaxOverKeys(float[] scores, int seq, int width, float[] maxThenInv) {
        for (int j = 0; j < seq; j++) {
            int row = j * QUERY_BLOCK;
            for (int v = 0; v < width; v += L) {
                FloatVector.fromArray(S, scores, row + v).sub(FloatVector.fromArray(S, maxThenInv, v))
                        .intoArray(scores, row + v);
            }
        }
        if (width == QUERY_BLOCK) {
            VectorMath.exp(scores, 0, seq * QUERY_BLOCK);
        } else {
            for (int j = 0; j < seq; j++) {
                VectorMath.exp(scores, j * QUERY_BLOCK, j * QUERY_BLOCK + width);
            }
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int v = 0; v < width; v += L) {
            FloatVector sum = FloatVector.zero(S);
            for (int j = 0; j < seq; j++) {
                sum = sum.add(FloatVector.fromArray(S, scores, j * QUERY_BLOCK + v));
            }
            one.div(sum).intoArray(maxThenInv, v);
        }
    }

    /**
     * Step 5 of {@link #attention}: out[r] = inv[r] · Σ_j scores[j][r] · v_j for the block's
     * {@code rows} queries, in tiles of four queries by two vectors of the head (eight sums in
     * flight), then four by one vector, then single columns; the last rows one at a time.
     */
    private static void context(float[] heads, int vOff, int seq, int d, float[] scores, float[] inv, int rows,
                                float[] out, int outOff, int ldo) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int c = 0;
            for (; c + 2 * L <= d; c += 2 * L) {
                FloatVector a00 = FloatVector.zero(S);
                FloatVector a01 = a00;
                FloatVector a10 = a00;
                FloatVector a11 = a00;
                FloatVector a20 = a00;
                FloatVector a21 = a00;
                FloatVector a30 = a00;
                FloatVector a31 = a00;
                for (int j = 0; j < seq; j++) {
                    int v = vOff + j * d + c;
                    FloatVector v0 = FloatVector.fromArray(S, heads, v);
                    FloatVector v1 = FloatVector.fromArray(S, heads, v + L);
                    int p = j * QUERY_BLOCK + r;
                    FloatVector p0 = FloatVector.broadcast(S, scores[p]);
                    a00 = v0.fma(p0, a00);
                    a01 = v1.fma(p0, a01);
                    FloatVector p1 = FloatVector.broadcast(S, scores[p + 1]);
                    a10 = v0.fma(p1, a10);
                    a11 = v1.fma(p1, a11);
                    FloatVector p2 = FloatVector.broadcast(S, scores[p + 2]);
                    a20 = v0.fma(p2, a20);
                    a21 = v1.fma(p2, a21);
                    FloatVector p3 = FloatVector.broadcast(S, scores[p + 3]);
                    a30 = v0.fma(p3, a30);
                    a31 = v1.fma(p3, a31);
                }
                int o = outOff + r * ldo + c;
                a00.mul(inv[r]).intoArray(out, o);
                a01.mul(inv[r]).intoArray(out, o + L);
                a10.mul(inv[r + 1]).intoArray(out, o + ldo);
                a11.mul(inv[r + 1]).intoArray(out, o + ldo + L);
                a20.mul(inv[r + 2]).intoArray(out, o + 2 * ldo);
                a21.mul(inv[r + 2]).intoArray(out, o + 2 * ldo + L);
                a30.mul(inv[r + 3]).intoArray(out, o + 3 * ldo);
                a31.mul(inv[r + 3]).intoArray(out, o + 3 * ldo + L);
            }
            for (; c + L <= d; c += L) {
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int j = 0; j < seq; j++) {
                    FloatVector v0 = FloatVector.fromArray(S, heads, vOff + j * d + c);
                    int p = j * QUERY_BLOCK + r;
                    a0 = v0.fma(FloatVector.broadcast(S, scores[p]), a0);
                    a1 = v0.fma(FloatVector.broadcast(S, scores[p + 1]), a1);
                    a2 = v0.fma(FloatVector.broadcast(S, scores[p + 2]), a2);
                    a3 = v0.fma(FloatVector.broadcast(S, scores[p + 3]), a3);
                }
                int o = outOff + r * ldo + c;
                a0.mul(inv[r]).intoArray(out, o);
                a1.mul(inv[r + 1]).intoArray(out, o + ldo);
                a2.mul(inv[r + 2]).intoArray(out, o + 2 * ldo);
                a3.mul(inv[r + 3]).intoArray(out, o + 3 * ldo);
            }
            if (c < d) {
                contextColumns(heads, vOff, seq, d, c, scores, inv, r, r + 4, out, outOff, ldo);
            }
        }
        if (r < rows) {
            contextColumns(heads, vOff, seq, d, 0, scores, inv, r, rows, out, outOff, ldo);
        }
    }

    /** {@link #context} for queries r0 .. r1 and the head's columns from c0, a vector then one column at a time. */
    private static void contextColumns(float[] heads, int vOff, int seq, int d, int c0, float[] scores, float[] inv,
                                       int r0, int r1, float[] out, int outOff, int ldo) {
        for (int r = r0; r < r1; r++) {
            int c = c0;
            for (; c + L <= d; c += L) {
                FloatVector acc = FloatVector.zero(S);
                for (int j = 0; j < seq; j++) {
                    acc = FloatVector.fromArray(S, heads, vOff + j * d + c)
                            .fma(FloatVector.broadcast(S, scores[j * QUERY_BLOCK + r]), acc);
                }
                acc.mul(inv[r]).intoArray(out, outOff + r * ldo + c);
            }
            for (; c < d; c++) {
                float acc = 0f;
                for (int j = 0; j < seq; j++) {
                    acc = Math.fma(scores[j * QUERY_BLOCK + r], heads[vOff + j * d + c], acc);
                }
                out[outOff + r * ldo + c] = acc * inv[r];
            }
        }
    }

    @Override
    public void softmaxRowsBackward(float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, int rows, int cols) {
        int bound = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int yr = yOff + r * cols;
            int gr = dyOff + r * cols;
            int xr = dxOff + r * cols;
            float s = dotVector(dy, gr, y, yr, cols);
            FloatVector vs = FloatVector.broadcast(S, s);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromArray(S, dy, gr + j).sub(vs).mul(FloatVector.fromArray(S, y, yr + j))
                        .intoArray(dx, xr + j);
            }
            for (; j < cols; j++) {
                dx[xr + j] = y[yr + j] * (dy[gr + j] - s);
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

    /**
     * LayerNorm per row of x, or of x + residual: then the first pass forms the sum, writes it to y
     * and adds it up, and the two passes after it read y, whose row is still in L1.
     */
    private static void layerNorm(float[] x, int xOff, float[] residual, int residualOff, float[] gamma,
                                  float[] beta, float[] y, int yOff, float[] mean, float[] rstd, int rows, int cols,
                                  float eps) {
        int bound = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int out = yOff + r * cols;
            float[] h = x;
            int in = xOff + r * cols;
            FloatVector vsum = FloatVector.zero(S);
            int j = 0;
            float mu;
            if (residual != null) {
                int res = residualOff + r * cols;
                for (; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, in + j).add(FloatVector.fromArray(S, residual, res + j));
                    v.intoArray(y, out + j);
                    vsum = vsum.add(v);
                }
                mu = VectorMath.sum(vsum);
                for (; j < cols; j++) {
                    float v = x[in + j] + residual[res + j];
                    y[out + j] = v;
                    mu += v;
                }
                h = y;
                in = out;
            } else {
                for (; j < bound; j += L) {
                    vsum = vsum.add(FloatVector.fromArray(S, x, in + j));
                }
                mu = VectorMath.sum(vsum);
                for (; j < cols; j++) {
                    mu += x[in + j];
                }
            }
            mu /= cols;
            // Two passes, as the reference: one-pass E[x²] − E[x]² cancels badly in float.
            FloatVector vmu = FloatVector.broadcast(S, mu);
            FloatVector vvar = FloatVector.zero(S);
            for (j = 0; j < bound; j += L) {
                FloatVector d = FloatVector.fromArray(S, h, in + j).sub(vmu);
                vvar = d.fma(d, vvar);
            }
            float var = VectorMath.sum(vvar);
            for (; j < cols; j++) {
                float d = h[in + j] - mu;
                var += d * d;
            }
            var /= cols;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            FloatVector vrs = FloatVector.broadcast(S, rs);
            for (j = 0; j < bound; j += L) {
                FloatVector.fromArray(S, h, in + j).sub(vmu).mul(vrs)
                        .fma(FloatVector.fromArray(S, gamma, j), FloatVector.fromArray(S, beta, j))
                        .intoArray(y, out + j);
            }
            for (; j < cols; j++) {
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
        int bound = S.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int in = xOff + r * cols;
            int g = dyOff + r * cols;
            float mu = mean[r];
            float rs = rstd[r];
            FloatVector vmu = FloatVector.broadcast(S, mu);
            FloatVector vrs = FloatVector.broadcast(S, rs);
            // dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat ⊙ xhat)), dxhat = dy ⊙ gamma
            FloatVector vSumDxhat = FloatVector.zero(S);
            FloatVector vSumDxhatXhat = FloatVector.zero(S);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector xhat = FloatVector.fromArray(S, x, in + j).sub(vmu).mul(vrs);
                FloatVector vdy = FloatVector.fromArray(S, dy, g + j);
                FloatVector dxhat = vdy.mul(FloatVector.fromArray(S, gamma, j));
                vSumDxhat = vSumDxhat.add(dxhat);
                vSumDxhatXhat = dxhat.fma(xhat, vSumDxhatXhat);
                vdy.fma(xhat, FloatVector.fromArray(S, dGamma, j)).intoArray(dGamma, j);
                vdy.add(FloatVector.fromArray(S, dBeta, j)).intoArray(dBeta, j);
            }
            float sumDxhat = VectorMath.sum(vSumDxhat);
            float sumDxhatXhat = VectorMath.sum(vSumDxhatXhat);
            for (; j < cols; j++) {
                float xhat = (x[in + j] - mu) * rs;
                float dxhat = dy[g + j] * gamma[j];
                sumDxhat += dxhat;
                sumDxhatXhat += dxhat * xhat;
                dGamma[j] += dy[g + j] * xhat;
                dBeta[j] += dy[g + j];
            }
            float meanDxhat = sumDxhat / cols;
            float meanDxhatXhat = sumDxhatXhat / cols;
            FloatVector vMeanDxhat = FloatVector.broadcast(S, meanDxhat);
            FloatVector vMeanDxhatXhat = FloatVector.broadcast(S, meanDxhatXhat);
            int out = dxOff + r * cols;
            for (j = 0; j < bound; j += L) {
                FloatVector xhat = FloatVector.fromArray(S, x, in + j).sub(vmu).mul(vrs);
                FloatVector dxhat = FloatVector.fromArray(S, dy, g + j).mul(FloatVector.fromArray(S, gamma, j));
                dxhat.sub(vMeanDxhat).sub(xhat.mul(vMeanDxhatXhat)).mul(vrs).intoArray(dx, out + j);
            }
            for (; j < cols; j++) {
                float xhat = (x[in + j] - mu) * rs;
                float dxhat = dy[g + j] * gamma[j];
                dx[out + j] = rs * (dxhat - meanDxhat - xhat * meanDxhatXhat);
            }
        }
    }

    @Override
    public void gelu(float[] x, int xOff, float[] y, int yOff, int n) {
        int bound = S.loopBound(n);
        VectorMath.gelu(x, xOff, y, yOff, bound);
        if (bound < n) {
            // The tail goes through the same vector formula on a padded copy, so every element of
            // y is computed identically whatever its position.
            float[] tail = new float[L];
            System.arraycopy(x, xOff + bound, tail, 0, n - bound);
            VectorMath.gelu(tail, 0, tail, 0, L);
            System.arraycopy(tail, 0, y, yOff + bound, n - bound);
        }
    }

    @Override
    public void geluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff, int n, boolean accumulate) {
        float[] tmp = new float[3 * L]; // [Φ, x tail, dy tail]
        float invSqrt2Pi = (float) Erf.INV_SQRT_2PI;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            normalCdf(x, xOff + i, tmp, 0);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            v.mul(v).mul(-0.5f).intoArray(tmp, L);
            VectorMath.expInPlace(tmp, L);
            FloatVector pdf = FloatVector.fromArray(S, tmp, L).mul(invSqrt2Pi);
            FloatVector g = FloatVector.fromArray(S, dy, dyOff + i).mul(v.fma(pdf, FloatVector.fromArray(S, tmp, 0)));
            if (accumulate) {
                g = g.add(FloatVector.fromArray(S, dx, dxOff + i));
            }
            g.intoArray(dx, dxOff + i);
        }
        if (i < n) {
            System.arraycopy(x, xOff + i, tmp, L, n - i);
            System.arraycopy(dy, dyOff + i, tmp, 2 * L, n - i);
            normalCdf(tmp, L, tmp, 0);
            for (int j = 0; j < n - i; j++) {
                float v = tmp[L + j];
                float pdf = (float) StrictMath.exp(-0.5f * v * v) * invSqrt2Pi;
                float g = tmp[2 * L + j] * Math.fma(v, pdf, tmp[j]);
                dx[dxOff + i + j] = accumulate ? dx[dxOff + i + j] + g : g;
            }
        }
    }

    /**
     * Φ(x) in float lanes, accurate to 1e-7 absolute (so erf = 2Φ − 1 to 2e-7) and to 1e-6
     * relative in the negative tail. Two formulas, both evaluated and blended per lane:
     * <ul>
     *   <li>|x| < 1: erf(z) = z·Σ (−1)ⁿ z²ⁿ·2/(√π·n!·(2n+1)), ten terms of the Maclaurin series
     *       (truncation below 1e-9 for z² ≤ ½), then Φ = ½ ± ½·erf;</li>
     *   <li>otherwise ½·erfc from the Chebyshev fit that {@link Erf} uses (Numerical Recipes
     *       §6.2, fractional error below 1.2e-7), which keeps Φ's relative accuracy in the
     *       negative tail where 1 + erf would cancel.</li>
     * </ul>
     * The fit alone, in float, reached 1.6e-7 near zero, where erfc ≈ 1 and its rounding is
     * largest; the series is exact there. Double lanes were as accurate but five times slower.
     */
    static void normalCdf(float[] in, int inOff, float[] phi, int phiOff) {
        // Arrays in and out rather than vectors: this method is too large to be sure of inlining,
        // and a vector passed through a call that is not inlined is boxed on the heap.
        FloatVector x = FloatVector.fromArray(S, in, inOff);
        FloatVector z = x.abs().mul((float) Erf.INV_SQRT2);
        FloatVector u = z.mul(z);
        FloatVector series = u.fma(-1.636584469e-07f, 1.646211437e-06f);
        series = series.fma(u, FloatVector.broadcast(S, -1.492565036e-05f));
        series = series.fma(u, FloatVector.broadcast(S, 1.205533298e-04f));
        series = series.fma(u, FloatVector.broadcast(S, -8.548327023e-04f));
        series = series.fma(u, FloatVector.broadcast(S, 5.223977625e-03f));
        series = series.fma(u, FloatVector.broadcast(S, -2.686617065e-02f));
        series = series.fma(u, FloatVector.broadcast(S, 1.128379167e-01f));
        series = series.fma(u, FloatVector.broadcast(S, -3.761263890e-01f));
        series = series.fma(u, FloatVector.broadcast(S, 1.128379167e+00f));
        FloatVector halfErf = z.mul(series).mul(0.5f);
        FloatVector central = halfErf.add(0.5f);
        central = central.blend(FloatVector.broadcast(S, 0.5f).sub(halfErf), x.compare(VectorOperators.LT, 0f));

        FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(0.5f, 1f));
        FloatVector poly = VectorMath.erfcExponent(t);
        // exp(−z² + poly) as exp(−h)·exp(poly − δ) with z² = x²/2 = h + δ exactly (δ by FMA on the
        // exact input x): z itself is rounded, and at z² ≈ 50 that rounding, or adding poly to z²,
        // would cost 5e-6 of relative accuracy in the tail.
        FloatVector xx = x.mul(x);
        FloatVector h = xx.mul(0.5f);
        FloatVector delta = x.fma(x, xx.neg()).mul(0.5f);
        // The output slot serves as scratch for the two exponentials; x is already in a register.
        h.neg().intoArray(phi, phiOff);
        VectorMath.expInPlace(phi, phiOff);
        FloatVector expH = FloatVector.fromArray(S, phi, phiOff);
        poly.sub(delta).intoArray(phi, phiOff);
        VectorMath.expInPlace(phi, phiOff);
        FloatVector expo = expH.mul(FloatVector.fromArray(S, phi, phiOff));
        FloatVector halfErfc = t.mul(expo).mul(0.5f);
        FloatVector tails = halfErfc.neg().add(1f).blend(halfErfc, x.compare(VectorOperators.LT, 0f));
        tails.blend(central, x.abs().compare(VectorOperators.LT, 1f)).intoArray(phi, phiOff);
    }
}
