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

    // The vector loops spell out every step (see Q4_0Weight).

    @Override
    void decodeStrip(int s, int p0, int kq, float[] dst, int d, int ldd) {
        float[] scale = halfScales(scales, s, 1, p0, kq); // [kq / 32][16]
        int base = (s * in + p0) * STRIP;
        for (int p = 0; p < kq; p++) {
            int sp = p / BLOCK * STRIP;
            for (int v = 0; v < STRIP; v += L) {
                ((FloatVector) ByteVector.fromArray(B, codes, base + p * STRIP + v).convertShape(VectorOperators.B2F, S, 0))
                        .mul(FloatVector.fromArray(S, scale, sp + v)).intoArray(dst, d + p * ldd + v);
            }
        }
    }

    @Override
    protected void multiplyRow(float[] x, int xIdx, int s0, int p0, int kq, float[] c, int cIdx, boolean add) {
        float[] scale = halfScales(scales, s0, ROW / STRIP, p0, kq); // [3][kq / 32][16]
        int perStrip = kq / BLOCK * STRIP;
        for (int g = 0; g < ROW; g += 3 * L) {
            int j1 = g + L;
            int j2 = g + 2 * L;
            int c0 = (strip(s0, g) * in + p0) * STRIP + g % STRIP;
            int c1 = (strip(s0, j1) * in + p0) * STRIP + j1 % STRIP;
            int c2 = (strip(s0, j2) * in + p0) * STRIP + j2 % STRIP;
            int h0 = g / STRIP * perStrip + g % STRIP;
            int h1 = j1 / STRIP * perStrip + j1 % STRIP;
            int h2 = j2 / STRIP * perStrip + j2 % STRIP;
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            for (int p = 0; p < kq; p++) {
                int sp = p / BLOCK * STRIP;
                FloatVector xp = FloatVector.broadcast(S, x[xIdx + p]);
                a0 = ((FloatVector) ByteVector.fromArray(B, codes, c0 + p * STRIP).convertShape(VectorOperators.B2F, S, 0))
                        .mul(FloatVector.fromArray(S, scale, h0 + sp)).fma(xp, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, codes, c1 + p * STRIP).convertShape(VectorOperators.B2F, S, 0))
                        .mul(FloatVector.fromArray(S, scale, h1 + sp)).fma(xp, a1);
                a2 = ((FloatVector) ByteVector.fromArray(B, codes, c2 + p * STRIP).convertShape(VectorOperators.B2F, S, 0))
                        .mul(FloatVector.fromArray(S, scale, h2 + sp)).fma(xp, a2);
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
