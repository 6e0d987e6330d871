package dev.distillery.kernel.lowbit;

import static dev.distillery.kernel.lowbit.TileGemm.B;
import static dev.distillery.kernel.lowbit.TileGemm.I;
import static dev.distillery.kernel.lowbit.TileGemm.L;
import static dev.distillery.kernel.lowbit.TileGemm.NR;
import static dev.distillery.kernel.lowbit.TileGemm.S;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * NF4 as bitsandbytes stores it (Dettmers et al., "QLoRA", 2023): the row-major flattened tensor
 * is cut into blocks of 64, W = codebook[code] · absmax[block], and byte i of the packed tensor
 * holds code 2i in its high nibble and code 2i + 1 in its low one. With double quantization the
 * caller decodes the absmaxes (1/64 of the weights) to floats before building this.
 *
 * <p>Kept as 4-bit panels plus the absmaxes as floats (4.5 bits per weight). When {@code in} is a
 * multiple of 64 every block lies inside one row and the absmaxes are re-laid in panel order for
 * the vector decoder, which looks codes up in the 16-entry codebook with two in-register
 * permutes; other widths decode one weight at a time.
 */
public final class Nf4Weight extends BlockedWeight {
    static final int BLOCK = 64;
    static final int CODES = 16;

    private final byte[] codes;      // 4-bit panels
    private final float[] absmax;    // row-major blocks [⌈out·in / 64⌉], or panel order [panels][in / 64][NR]
    private final boolean panelAbsmax;
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
        codes = newNibblePanels();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                long flat = (long) o * in + i;
                int b = packed[(int) (flat / 2)];
                putNibble(codes, o, i, flat % 2 == 0 ? b >> 4 & 15 : b & 15);
            }
        }
        panelAbsmax = in % BLOCK == 0 && L == 8;
        if (panelAbsmax) {
            int perRow = in / BLOCK;
            this.absmax = new float[panels * perRow * NR];
            for (int o = 0; o < out; o++) {
                for (int b = 0; b < perRow; b++) {
                    this.absmax[(o / NR * perRow + b) * NR + o % NR] = absmax[o * perRow + b];
                }
            }
        } else {
            this.absmax = absmax.clone();
        }
    }

    @Override
    public float weight(int o, int i) {
        float scale = panelAbsmax ? absmax[(o / NR * (in / BLOCK) + i / BLOCK) * NR + o % NR]
                : absmax[(int) (((long) o * in + i) / BLOCK)];
        return codebook[nibble(codes, o, i)] * scale;
    }

    @Override
    public long bytes() {
        return codes.length + 4L * absmax.length + 4L * CODES;
    }

    @Override
    void decodeTile(int t, int p0, int kq, float[] tile, float[] scratch) {
        if (!panelAbsmax) {
            decodeTileScalar(t, p0, kq, tile);
            return;
        }
        // Codes 0..7 index the low table, 8..15 the high one; both permutes use the low 3 bits.
        FloatVector low = FloatVector.fromArray(S, codebook, 0);
        FloatVector high = FloatVector.fromArray(S, codebook, 8);
        int base = (t * (in / 2) + p0 / 2) * NR;
        int a0 = t * (in / BLOCK) * NR;
        for (int q = 0; q < kq / 2; q++) {
            int src = base + q * NR;
            int sp = a0 + (p0 + 2 * q) / BLOCK * NR; // rows 2q and 2q + 1 share a block
            for (int v = 0; v < NR; v += L) {
                IntVector pair = (IntVector) ByteVector.fromArray(B, codes, src + v)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector s = FloatVector.fromArray(S, absmax, sp + v);
                for (int half = 0; half < 2; half++) {
                    IntVector code = pair.lanewise(VectorOperators.ASHR, 4 * half).and(15);
                    VectorShuffle<Float> index = code.and(7).toShuffle().cast(S);
                    VectorMask<Float> upper = code.compare(VectorOperators.GE, 8).cast(S);
                    FloatVector w = low.rearrange(index).blend(high.rearrange(index), upper);
                    w.mul(s).intoArray(tile, (2 * q + half) * NR + v);
                }
            }
        }
    }
}
