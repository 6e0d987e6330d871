package dev.distillery.kernel.lowbit;

import dev.distillery.kernel.Epilogue;
import dev.distillery.kernel.Gemm;
import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.Panels;
import dev.distillery.kernel.RowTable;
import dev.distillery.kernel.TransposedGemm;
import dev.distillery.kernel.VectorKernels;

import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A quantized W [out, in] whose codes are re-laid once, at construction, into strips of
 * {@link Panels#STRIP} outputs, the layout every GEMM micro-kernel reads: code (o, i) of strip
 * s = o / 16 sits at {@code (s·in + i)·16 + o % 16} (8-bit formats) or, two inputs to a byte, in
 * the low nibble (even i) or high nibble (odd i) of byte {@code (s·⌈in/2⌉ + i/2)·16 + o % 16}
 * (4-bit formats). Outputs past {@code out} in the last strip hold code 0 and are never written to c.
 *
 * <p>As the right-hand operand Wᵀ [in × out] of the GEMM driver ({@link Gemm}), each format
 * {@link #decode decodes} a slice of depth (whole, up to 2,048 inputs) of a few strips into FP32 when the driver
 * asks, and the instruction set's FP32 micro-kernel multiplies from that slice; no other FP32
 * form of W exists. A single row is multiplied without the slice ({@link #multiplyRow}): the
 * format decodes three strips and multiplies them in one pass. The vector decoders run at the
 * process's vector width; the scalar twin decodes through {@link #weight}, the same products, so
 * all give the same bits.
 */
public abstract sealed class BlockedWeight extends Panels implements LinearWeight, RowTable
        permits Int8ChannelWeight, Int8AffineWeight, Q8_0Weight, Q4_0Weight, Nf4Weight {
    static final VectorSpecies<Float> S = VectorKernels.species();
    static final int L = S.length();
    /** L bytes, widened lane for lane to the L ints or floats of {@link #I} and {@link #S}. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    static final int STRIP = Panels.STRIP;
    /** Columns one {@link #multiplyRow} call covers: three strips, as L-lane groups. */
    static final int ROW = Panels.PANEL;

    final int out;
    final int in;

    BlockedWeight(int out, int in) {
        super(in, out);
        this.out = out;
        this.in = in;
    }

    @Override
    public final int in() {
        return in;
    }

    @Override
    public final int out() {
        return out;
    }

    @Override
    public final int rows() {
        return out;
    }

    @Override
    public final int width() {
        return in;
    }

    /** W[o, i] decoded from the packed codes: the value every product uses for that weight. */
    public abstract float weight(int o, int i);

    /**
     * Rows p0 .. p0 + kq of strip s of Wᵀ into {@code dst[d + p·ldd + j]} with the Vector API; p0
     * is a multiple of {@link Gemm#KC}, so a slice never splits a block of 32 or 64 inputs.
     */
    abstract void decodeStrip(int s, int p0, int kq, float[] dst, int d, int ldd);

    @Override
    protected final void decode(int s0, int count, int p0, int kq, float[] dst, int ldd, boolean vector) {
        for (int s = s0; s < s0 + count; s++) {
            int d = (s - s0) * STRIP;
            if (s >= strips()) {
                for (int p = 0; p < kq; p++) {
                    java.util.Arrays.fill(dst, d + p * ldd, d + p * ldd + STRIP, 0f);
                }
            } else if (vector) {
                decodeStrip(s, p0, kq, dst, d, ldd);
            } else {
                decodeStripScalar(s, p0, kq, dst, d, ldd);
            }
        }
    }

    /** {@link #decodeStrip} one {@link #weight} at a time: the scalar twin, and layouts the vector decoders do not cover. */
    final void decodeStripScalar(int s, int p0, int kq, float[] dst, int d, int ldd) {
        for (int p = 0; p < kq; p++) {
            for (int j = 0; j < STRIP; j++) {
                int o = s * STRIP + j;
                dst[d + p * ldd + j] = o < out ? weight(o, p0 + p) : 0f;
            }
        }
    }

    @Override
    protected boolean fusesRows() {
        return true;
    }

    @Override
    public final void multiply(Gemm gemm, float[] x, int xOff, int ldx, float[] c, int cOff, int ldc, int rows,
                               boolean accumulate, Epilogue epilogue) {
        gemm.multiply(x, xOff, ldx, this, c, cOff, ldc, rows, accumulate, epilogue);
    }

    @Override
    public final void multiplyTransposedAdd(float[] dy, int dyOff, int lddy, float[] dx, int dxOff, int lddx,
                                            int rows) {
        TransposedGemm.multiplyAdd(this, dy, dyOff, lddy, dx, dxOff, lddx, rows);
    }

    @Override
    public final void addRow(int row, float[] dst, int off) {
        for (int i = 0; i < in; i++) {
            dst[off + i] += weight(row, i);
        }
    }

    /** Re-lays row-major codes [out, in] into 8-bit strips (see the class comment). */
    static byte[] stripBytes(byte[] codes, int out, int in) {
        int strips = (out + STRIP - 1) / STRIP;
        byte[] packed = new byte[Math.multiplyExact(strips * STRIP, in)];
        for (int o = 0; o < out; o++) {
            int dst = o / STRIP * in * STRIP + o % STRIP;
            int src = o * in;
            for (int i = 0; i < in; i++) {
                packed[dst + i * STRIP] = codes[src + i];
            }
        }
        return packed;
    }

    /** Offset of code (o, i) in 8-bit strips. */
    final int byteIndex(int o, int i) {
        return (o / STRIP * in + i) * STRIP + o % STRIP;
    }

    /** Offset of the byte holding the nibble of code (o, i) in 4-bit strips; i odd is the high nibble. */
    final int nibbleIndex(int o, int i) {
        return (o / STRIP * ((in + 1) / 2) + i / 2) * STRIP + o % STRIP;
    }

    /** Space for 4-bit strips of this shape. */
    final byte[] newNibbleStrips() {
        return new byte[Math.multiplyExact(strips() * STRIP, (in + 1) / 2)];
    }

    final void putNibble(byte[] packed, int o, int i, int code) {
        int idx = nibbleIndex(o, i);
        packed[idx] = (byte) (packed[idx] | (code & 15) << (i % 2 == 0 ? 0 : 4));
    }

    final int nibble(byte[] packed, int o, int i) {
        return packed[nibbleIndex(o, i)] >> (i % 2 == 0 ? 0 : 4) & 15;
    }

    /** Per-thread scales of one slice of up to three strips, converted from fp16 once per slice; grown as slices need. */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[3 * Gemm.KC / 32 * STRIP]);

    /**
     * The fp16 scales of blocks of 32 inputs, stored [strips][in / 32][16], for rows p0 .. p0 + kq
     * of strips s0 .. s0 + count, as floats in a per-thread buffer laid out [count][kq / 32][16].
     * Converted here rather than in the vector loops, which C2 would otherwise find too large to
     * inline their helpers into (and a vector returned by a call that is not inlined is boxed).
     */
    final float[] halfScales(short[] scales, int s0, int count, int p0, int kq) {
        float[] f = SCALES.get();
        int blocks = kq / 32;
        if (f.length < count * blocks * STRIP) {
            f = new float[count * blocks * STRIP];
            SCALES.set(f);
        }
        for (int i = 0; i < count; i++) {
            int src = ((s0 + i) * (in / 32) + p0 / 32) * STRIP;
            int dst = i * blocks * STRIP;
            for (int j = 0; j < blocks * STRIP; j++) {
                f[dst + j] = Float.float16ToFloat(scales[src + j]);
            }
        }
        return f;
    }

    /** Lane group j (0, L, 2L, ... < 48) of the three strips from s0: its strip. */
    static int strip(int s0, int j) {
        return s0 + j / STRIP;
    }

    static void checkLength(String what, long actual, long expected, int out, int in) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " of a weight [" + out + "×" + in + "] must hold " + expected
                    + " entries, got " + actual);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + out + "×" + in + "]";
    }
}
