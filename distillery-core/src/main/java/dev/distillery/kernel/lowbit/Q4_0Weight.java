package dev.distillery.kernel.lowbit;


import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_0: blocks of 32 consecutive weights of a row, stored as {@code fp16 scale (LE) | 16
 * bytes} where byte j holds code j in its low nibble and code j + 16 in its high one (18 bytes);
 * W = (code − 8) · scale. Kept as 4-bit strips (two consecutive inputs per byte) plus the fp16
 * scales in strip order: 4.5 bits per weight, as on disk.
 */
public final class Q4_0Weight extends BlockedWeight {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 2 + BLOCK / 2;

    private final byte[] codes;   // 4-bit strips
    private final short[] scales; // fp16 bits, [strips][in / 32][16]

    Q4_0Weight(byte[] blocks, int out, int in) {
        super(out, in);
        if (in % BLOCK != 0) {
            throw new IllegalArgumentException("Q4_0 needs an input width divisible by 32, got [" + out + "×" + in + "]");
        }
        int perRow = in / BLOCK;
        checkLength("Q4_0 blocks (bytes)", blocks.length, (long) out * perRow * BLOCK_BYTES, out, in);
        codes = newNibbleStrips();
        scales = new short[strips() * perRow * STRIP];
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < perRow; b++) {
                int src = (o * perRow + b) * BLOCK_BYTES;
                scales[(o / STRIP * perRow + b) * STRIP + o % STRIP] = (short) (blocks[src] & 0xFF | blocks[src + 1] << 8);
                for (int j = 0; j < BLOCK / 2; j++) {
                    int packed = blocks[src + 2 + j];
                    putNibble(codes, o, b * BLOCK + j, packed & 15);
                    putNibble(codes, o, b * BLOCK + j + BLOCK / 2, packed >> 4 & 15);
                }
            }
        }
    }

    @Override
    public float weight(int o, int i) {
        return (nibble(codes, o, i) - 8) * Float.float16ToFloat(scales[(o / STRIP * (in / BLOCK) + i / BLOCK) * STRIP + o % STRIP]);
    }

    @Override
    public long bytes() {
        return codes.length + 2L * scales.length;
    }

    // The vector loops below spell out every step: C2 stops inlining helpers into a method this
    // large, and a vector passed to or returned from a call that is not inlined is boxed.

    @Override
    void decodeStrip(int s, int p0, int kq, float[] dst, int d, int ldd) {
        float[] scale = halfScales(scales, s, 1, p0, kq); // [kq / 32][16]
        int base = (s * (in / 2) + p0 / 2) * STRIP;
        for (int q = 0; q < kq / 2; q++) {
            int sp = 2 * q / BLOCK * STRIP; // inputs 2q and 2q + 1 share a block
            for (int v = 0; v < STRIP; v += L) {
                IntVector pair = (IntVector) ByteVector.fromArray(B, codes, base + q * STRIP + v)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector sc = FloatVector.fromArray(S, scale, sp + v);
                // (code − 8) is exact in int, so one rounding, as in weight(); even inputs low nibble.
                ((FloatVector) pair.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(sc)
                        .intoArray(dst, d + 2 * q * ldd + v);
                ((FloatVector) pair.lanewise(VectorOperators.ASHR, 4).and(15).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(sc).intoArray(dst, d + (2 * q + 1) * ldd + v);
            }
        }
    }

    @Override
    protected void multiplyRow(float[] x, int xIdx, int s0, int p0, int kq, float[] c, int cIdx, boolean add) {
        float[] scale = halfScales(scales, s0, ROW / STRIP, p0, kq); // [3][kq / 32][16]
        int perStrip = kq / BLOCK * STRIP;
        for (int g = 0; g < ROW; g += 3 * L) {
            // Three lane groups at once: three independent sums hide the FMA latency.
            int j1 = g + L;
            int j2 = g + 2 * L;
            int c0 = (strip(s0, g) * (in / 2) + p0 / 2) * STRIP + g % STRIP;
            int c1 = (strip(s0, j1) * (in / 2) + p0 / 2) * STRIP + j1 % STRIP;
            int c2 = (strip(s0, j2) * (in / 2) + p0 / 2) * STRIP + j2 % STRIP;
            int h0 = g / STRIP * perStrip + g % STRIP;
            int h1 = j1 / STRIP * perStrip + j1 % STRIP;
            int h2 = j2 / STRIP * perStrip + j2 % STRIP;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            for (int q = 0; q < kq / 2; q++) {
                int sp = 2 * q / BLOCK * STRIP;
                FloatVector sc0 = FloatVector.fromArray(S, scale, h0 + sp);
                FloatVector sc1 = FloatVector.fromArray(S, scale, h1 + sp);
                FloatVector sc2 = FloatVector.fromArray(S, scale, h2 + sp);
                FloatVector xe = FloatVector.broadcast(S, x[xIdx + 2 * q]);
                FloatVector xo = FloatVector.broadcast(S, x[xIdx + 2 * q + 1]);
                IntVector p = (IntVector) ByteVector.fromArray(B, codes, c0 + q * STRIP).convertShape(VectorOperators.B2I, I, 0);
                a0 = ((FloatVector) p.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(sc0).fma(xe, a0);
                a0 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).and(15).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(sc0).fma(xo, a0);
                p = (IntVector) ByteVector.fromArray(B, codes, c1 + q * STRIP).convertShape(VectorOperators.B2I, I, 0);
                a1 = ((FloatVector) p.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(sc1).fma(xe, a1);
                a1 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).and(15).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(sc1).fma(xo, a1);
                p = (IntVector) ByteVector.fromArray(B, codes, c2 + q * STRIP).convertShape(VectorOperators.B2I, I, 0);
                a2 = ((FloatVector) p.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(sc2).fma(xe, a2);
                a2 = ((FloatVector) p.lanewise(VectorOperators.ASHR, 4).and(15).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(sc2).fma(xo, a2);
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
