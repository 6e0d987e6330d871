package dev.distillery.kernel.lowbit;


import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q8_0: each row cut into blocks of 32 consecutive weights, one block stored as
 * {@code fp16 scale (little-endian) | 32 × int8 code} (34 bytes); W = code · scale. Kept as
 * 8-bit strips plus the fp16 scales in strip order, so 8.5 bits per weight as on disk.
 */
public final class Q8_0Weight extends BlockedWeight {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 2 + BLOCK;

    private final byte[] codes;    // 8-bit strips
    private final short[] scales;  // fp16 bits, [strips][in / 32][16]

    Q8_0Weight(byte[] blocks, int out, int in) {
        super(out, in);
        if (in % BLOCK != 0) {
            throw new IllegalArgumentException("Q8_0 needs an input width divisible by 32, got [" + out + "×" + in + "]");
        }
        int perRow = in / BLOCK;
        checkLength("Q8_0 blocks (bytes)", blocks.length, (long) out * perRow * BLOCK_BYTES, out, in);
        byte[] rowMajor = new byte[out * in];
        scales = new short[strips() * perRow * STRIP];
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < perRow; b++) {
                int src = (o * perRow + b) * BLOCK_BYTES;
                scales[(o / STRIP * perRow + b) * STRIP + o % STRIP] = (short) (blocks[src] & 0xFF | blocks[src + 1] << 8);
                System.arraycopy(blocks, src + 2, rowMajor, o * in + b * BLOCK, BLOCK);
            }
        }
        codes = stripBytes(rowMajor, out, in);
    }

    @Override
    public float weight(int o, int i) {
        return codes[byteIndex(o, i)] * Float.float16ToFloat(scales[(o / STRIP * (in / BLOCK) + i / BLOCK) * STRIP + o % STRIP]);
    }

    @Override
    public long bytes() {
        return codes.length + 2L * scales.length;
    }

    @Override
    void decodeStrip(int s, int p0, int kq, float[] dst, int d, int ldd) {
        float[] scale = halfScales(scales, s, p0, kq); // [kq / 32][16]
        int base = (s * in + p0) * STRIP;
        for (int p = 0; p < kq; p++) {
            int sp = p / BLOCK * STRIP;
            for (int v = 0; v < STRIP; v += L) {
                FloatVector w = (FloatVector) ByteVector.fromArray(B, codes, base + p * STRIP + v)
                        .convertShape(VectorOperators.B2F, S, 0);
                w.mul(FloatVector.fromArray(S, scale, sp + v)).intoArray(dst, d + p * ldd + v);
            }
        }
    }
}
