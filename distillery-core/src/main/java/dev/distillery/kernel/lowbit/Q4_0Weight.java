package dev.distillery.kernel.lowbit;

import static dev.distillery.kernel.lowbit.TileGemm.B;
import static dev.distillery.kernel.lowbit.TileGemm.I;
import static dev.distillery.kernel.lowbit.TileGemm.L;
import static dev.distillery.kernel.lowbit.TileGemm.NR;
import static dev.distillery.kernel.lowbit.TileGemm.S;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml Q4_0: blocks of 32 consecutive weights of a row, stored as {@code fp16 scale (LE) | 16
 * bytes} where byte j holds code j in its low nibble and code j + 16 in its high one (18 bytes);
 * W = (code − 8) · scale. Kept as 4-bit panels (two consecutive inputs per byte) plus the fp16
 * scales in panel order: 4.5 bits per weight, as on disk.
 */
public final class Q4_0Weight extends BlockedWeight {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 2 + BLOCK / 2;

    private final byte[] codes;   // 4-bit panels
    private final short[] scales; // fp16 bits, [panels][in / 32][NR]

    Q4_0Weight(byte[] blocks, int out, int in) {
        super(out, in);
        if (in % BLOCK != 0) {
            throw new IllegalArgumentException("Q4_0 needs an input width divisible by 32, got [" + out + "×" + in + "]");
        }
        int perRow = in / BLOCK;
        checkLength("Q4_0 blocks (bytes)", blocks.length, (long) out * perRow * BLOCK_BYTES, out, in);
        codes = newNibblePanels();
        scales = new short[panels * perRow * NR];
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < perRow; b++) {
                int src = (o * perRow + b) * BLOCK_BYTES;
                scales[(o / NR * perRow + b) * NR + o % NR] = (short) (blocks[src] & 0xFF | blocks[src + 1] << 8);
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
        return (nibble(codes, o, i) - 8) * Float.float16ToFloat(scales[(o / NR * (in / BLOCK) + i / BLOCK) * NR + o % NR]);
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
        int base = (t * (in / 2) + p0 / 2) * NR;
        for (int q = 0; q < kq / 2; q++) {
            int src = base + q * NR;
            int sp = 2 * q / BLOCK * NR; // rows 2q and 2q + 1 share a block
            for (int v = 0; v < NR; v += L) {
                IntVector pair = (IntVector) ByteVector.fromArray(B, codes, src + v)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector s = FloatVector.fromArray(S, scale, sp + v);
                for (int half = 0; half < 2; half++) {
                    FloatVector w = (FloatVector) pair.lanewise(VectorOperators.ASHR, 4 * half).and(15).sub(8)
                            .convert(VectorOperators.I2F, 0);
                    w.mul(s).intoArray(tile, (2 * q + half) * NR + v);
                }
            }
        }
    }
}
