package dev.distillery.kernel.lowbit;


import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * NF4 as bitsandbytes stores it (Dettmers et al., "QLoRA", 2023): the row-major flattened tensor
 * is cut into blocks of 64, W = codebook[code] · absmax[block], and byte i of the packed tensor
 * holds code 2i in its high nibble and code 2i + 1 in its low one. With double quantization the
 * caller decodes the absmaxes (1/64 of the weights) to floats before building this.
 *
 * <p>Kept as 4-bit strips plus the absmaxes as floats (4.5 bits per weight). When {@code in} is a
 * multiple of 64 every block lies inside one row and the absmaxes are re-laid in strip order for
 * the vector decoder, which looks codes up in the 16-entry codebook with one in-register permute
 * (16 lanes) or two and a blend (8 lanes); other widths decode one weight at a time.
 */
public final class Nf4Weight extends BlockedWeight {
    static final int BLOCK = 64;
    static final int CODES = 16;

    private final byte[] codes;      // 4-bit strips
    private final float[] absmax;    // row-major blocks [⌈out·in / 64⌉], or strip order [strips][in / 64][16]
    private final boolean stripAbsmax;
    private final float[] codebook;  // [16]

    Nf4Weight(byte[] packed, float[] absmax, float[] codebook, int out, int in) {
        super(out, in);
        long n = (long) out * in;
        checkLength("NF4 packed codes (bytes)", packed.length, (n + 1) / 2, out, in);
        checkLength("NF4 absmax", absmax.length, (n + BLOCK - 1) / BLOCK, out, in);
        if (codebook.length != CODES) {
            throw new IllegalArgumentException("the NF4 codebook must hold 16 values, got " + codebook.length);
        }
        this.codebook = codebook.clone();
        codes = newNibbleStrips();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                long flat = (long) o * in + i;
                int b = packed[(int) (flat / 2)];
                putNibble(codes, o, i, flat % 2 == 0 ? b >> 4 & 15 : b & 15);
            }
        }
        stripAbsmax = in % BLOCK == 0;
        if (stripAbsmax) {
            int perRow = in / BLOCK;
            this.absmax = new float[strips() * perRow * STRIP];
            for (int o = 0; o < out; o++) {
                for (int b = 0; b < perRow; b++) {
                    this.absmax[(o / STRIP * perRow + b) * STRIP + o % STRIP] = absmax[o * perRow + b];
                }
            }
        } else {
            this.absmax = absmax.clone();
        }
    }

    @Override
    public float weight(int o, int i) {
        float scale = stripAbsmax ? absmax[(o / STRIP * (in / BLOCK) + i / BLOCK) * STRIP + o % STRIP]
                : absmax[(int) (((long) o * in + i) / BLOCK)];
        return codebook[nibble(codes, o, i)] * scale;
    }

    @Override
    public long bytes() {
        return codes.length + 4L * absmax.length + 4L * CODES;
    }

    // The vector loops spell out every step (see Q4_0Weight). The lookup codebook[code] is one
    // in-register permute with 16 lanes (the whole codebook is one register), and a permute across
    // two registers with 8; L is a constant, so C2 compiles only one of the two.

    @Override
    void decodeStrip(int s, int p0, int kq, float[] dst, int d, int ldd) {
        if (!stripAbsmax) {
            decodeStripScalar(s, p0, kq, dst, d, ldd);
            return;
        }
        IntVector low = FloatVector.fromArray(S, codebook, 0).reinterpretAsInts();
        IntVector high = FloatVector.fromArray(S, codebook, L >= CODES ? 0 : 8).reinterpretAsInts();
        int base = (s * (in / 2) + p0 / 2) * STRIP;
        int a0 = s * (in / BLOCK) * STRIP;
        for (int q = 0; q < kq / 2; q++) {
            int sp = a0 + (p0 + 2 * q) / BLOCK * STRIP; // inputs 2q and 2q + 1 share a block
            for (int v = 0; v < STRIP; v += L) {
                IntVector pair = (IntVector) ByteVector.fromArray(B, codes, base + q * STRIP + v)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector scale = FloatVector.fromArray(S, absmax, sp + v);
                // The even input is the low nibble of the strip layout, the odd one the high.
                IntVector e = pair.and(15);
                IntVector o = pair.lanewise(VectorOperators.ASHR, 4).and(15);
                (L >= CODES ? e.selectFrom(low) : e.selectFrom(low, high)).reinterpretAsFloats().mul(scale)
                        .intoArray(dst, d + 2 * q * ldd + v);
                (L >= CODES ? o.selectFrom(low) : o.selectFrom(low, high)).reinterpretAsFloats().mul(scale)
                        .intoArray(dst, d + (2 * q + 1) * ldd + v);
            }
        }
    }

    @Override
    protected boolean fusesRows() {
        return stripAbsmax;
    }

    @Override
    protected void multiplyRow(float[] x, int xIdx, int s0, int p0, int kq, float[] c, int cIdx, boolean add) {
        IntVector low = FloatVector.fromArray(S, codebook, 0).reinterpretAsInts();
        IntVector high = FloatVector.fromArray(S, codebook, L >= CODES ? 0 : 8).reinterpretAsInts();
        for (int g = 0; g < ROW; g += 3 * L) {
            int j1 = g + L;
            int j2 = g + 2 * L;
            int c0 = (strip(s0, g) * (in / 2) + p0 / 2) * STRIP + g % STRIP;
            int c1 = (strip(s0, j1) * (in / 2) + p0 / 2) * STRIP + j1 % STRIP;
            int c2 = (strip(s0, j2) * (in / 2) + p0 / 2) * STRIP + j2 % STRIP;
            int m0 = (strip(s0, g) * (in / BLOCK) + p0 / BLOCK) * STRIP + g % STRIP;
            int m1 = (strip(s0, j1) * (in / BLOCK) + p0 / BLOCK) * STRIP + j1 % STRIP;
            int m2 = (strip(s0, j2) * (in / BLOCK) + p0 / BLOCK) * STRIP + j2 % STRIP;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            for (int q = 0; q < kq / 2; q++) {
                int sp = 2 * q / BLOCK * STRIP;
                FloatVector xe = FloatVector.broadcast(S, x[xIdx + 2 * q]);
                FloatVector xo = FloatVector.broadcast(S, x[xIdx + 2 * q + 1]);
                IntVector p = (IntVector) ByteVector.fromArray(B, codes, c0 + q * STRIP).convertShape(VectorOperators.B2I, I, 0);
                FloatVector sc = FloatVector.fromArray(S, absmax, m0 + sp);
                IntVector e = p.and(15);
                IntVector o = p.lanewise(VectorOperators.ASHR, 4).and(15);
                a0 = (L >= CODES ? e.selectFrom(low) : e.selectFrom(low, high)).reinterpretAsFloats().mul(sc).fma(xe, a0);
                a0 = (L >= CODES ? o.selectFrom(low) : o.selectFrom(low, high)).reinterpretAsFloats().mul(sc).fma(xo, a0);
                p = (IntVector) ByteVector.fromArray(B, codes, c1 + q * STRIP).convertShape(VectorOperators.B2I, I, 0);
                sc = FloatVector.fromArray(S, absmax, m1 + sp);
                e = p.and(15);
                o = p.lanewise(VectorOperators.ASHR, 4).and(15);
                a1 = (L >= CODES ? e.selectFrom(low) : e.selectFrom(low, high)).reinterpretAsFloats().mul(sc).fma(xe, a1);
                a1 = (L >= CODES ? o.selectFrom(low) : o.selectFrom(low, high)).reinterpretAsFloats().mul(sc).fma(xo, a1);
                p = (IntVector) ByteVector.fromArray(B, codes, c2 + q * STRIP).convertShape(VectorOperators.B2I, I, 0);
                sc = FloatVector.fromArray(S, absmax, m2 + sp);
                e = p.and(15);
                o = p.lanewise(VectorOperators.ASHR, 4).and(15);
                a2 = (L >= CODES ? e.selectFrom(low) : e.selectFrom(low, high)).reinterpretAsFloats().mul(sc).fma(xe, a2);
                a2 = (L >= CODES ? o.selectFrom(low) : o.selectFrom(low, high)).reinterpretAsFloats().mul(sc).fma(xo, a2);
            }
            if (add) {
                a0 = a0.add(FloatVector.fromArray(S, c, cIdx + g));
                a1 = a1.add(FloatVector.fromArray(S, c, cIdx + j1));
                a2 = a2.add(FloatVector.fromArray(S, c, cIdx + j2));
            }
            a0.intoArray(c, cIdx + g);
            a1.intoArray(c, cIdx + j1);
            a2.intoArray(c, cIdx + j2);
        }
    }
}
