package dev.distillery.kernel.lowbit;

import static dev.distillery.kernel.lowbit.TileGemm.B;
import static dev.distillery.kernel.lowbit.TileGemm.L;
import static dev.distillery.kernel.lowbit.TileGemm.NR;
import static dev.distillery.kernel.lowbit.TileGemm.S;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q8_0: each row cut into blocks of 32 consecutive weights, one block stored as
 * {@code fp16 scale (little-endian) | 32 × int8 code} (34 bytes); W = code · scale. Kept as
 * 8-bit panels plus the fp16 scales in panel order, so 8.5 bits per weight as on disk.
 */
public final class Q8_0Weight extends BlockedWeight {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 2 + BLOCK;

    private final byte[] codes;    // 8-bit panels
    private final short[] scales;  // fp16 bits, [panels][in / 32][NR]

    Q8_0Weight(byte[] blocks, int out, int in) {
        super(out, in);
        if (in % BLOCK != 0) {
            throw new IllegalArgumentException("Q8_0 needs an input width divisible by 32, got [" + out + "×" + in + "]");
        }
        int perRow = in / BLOCK;
        checkLength("Q8_0 blocks (bytes)", blocks.length, (long) out * perRow * BLOCK_BYTES, out, in);
        byte[] rowMajor = new byte[out * in];
        scales = new short[panels * perRow * NR];
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < perRow; b++) {
                int src = (o * perRow + b) * BLOCK_BYTES;
                scales[(o / NR * perRow + b) * NR + o % NR] = (short) (blocks[src] & 0xFF | blocks[src + 1] << 8);
                System.arraycopy(blocks, src + 2, rowMajor, o * in + b * BLOCK, BLOCK);
            }
        }
        codes = panelBytes(rowMajor, out, in);
    }

    @Override
    public float weight(int o, int i) {
        return codes[byteIndex(o, i)] * Float.float16ToFloat(scales[(o / NR * (in / BLOCK) + i / BLOCK) * NR + o % NR]);
    }

    @Override
    public long bytes() {
        return codes.length + 2L * scales.length;
    }

    @Override
    void decodeTile(int t, int p0, int kq, float[] tile, float[] scale) {
        int blocks = kq / BLOCK;
        int s0 = (t * (in / BLOCK) + p0 / BLOCK) * NR;
        for (int j = 0; j < blocks * NR; j++) {
            scale[j] = Float.float16ToFloat(scales[s0 + j]);
        }
        int base = (t * in + p0) * NR;
        for (int p = 0; p < kq; p++) {
            int src = base + p * NR;
            int dst = p * NR;
            int sp = p / BLOCK * NR;
            for (int v = 0; v < NR; v += L) {
                FloatVector w = (FloatVector) ByteVector.fromArray(B, codes, src + v)
                        .convertShape(VectorOperators.B2F, S, 0);
                w.mul(FloatVector.fromArray(S, scale, sp + v)).intoArray(tile, dst + v);
            }
        }
    }
}
