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

    @Override
    void decodeStrip(int s, int p0, int kq, float[] dst, int d, int ldd) {
        float[] scale = halfScales(scales, s, p0, kq); // [kq / 32][16]
        int base = (s * (in / 2) + p0 / 2) * STRIP;
        for (int q = 0; q < kq / 2; q++) {
            int src = base + q * STRIP;
            int sp = 2 * q / BLOCK * STRIP; // inputs 2q and 2q + 1 share a block
            int lo = d + 2 * q * ldd;
            for (int v = 0; v < STRIP; v += L) {
                IntVector pair = (IntVector) ByteVector.fromArray(B, codes, src + v)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector sc = FloatVector.fromArray(S, scale, sp + v);
                // (code − 8) is exact in int, so one rounding, as in weight().
                ((FloatVector) pair.and(15).sub(8).convert(VectorOperators.I2F, 0)).mul(sc).intoArray(dst, lo + v);
                ((FloatVector) pair.lanewise(VectorOperators.ASHR, 4).and(15).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(sc).intoArray(dst, lo + ldd + v);
            }
        }
    }
}
