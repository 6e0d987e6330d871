package dev.distillery.kernel.lowbit;

import static dev.distillery.kernel.lowbit.TileGemm.B;
import static dev.distillery.kernel.lowbit.TileGemm.L;
import static dev.distillery.kernel.lowbit.TileGemm.NR;
import static dev.distillery.kernel.lowbit.TileGemm.S;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * INT8 symmetric per output channel: W[o, i] = code[o, i] · scale[o], codes in [−127, 127].
 * One byte per weight plus one float per output.
 */
public final class Int8ChannelWeight extends BlockedWeight {
    private final byte[] codes;   // 8-bit panels
    private final float[] scales; // [panels·NR], zero past out

    Int8ChannelWeight(byte[] rowMajorCodes, float[] scales, int out, int in) {
        super(out, in);
        checkLength("int8 codes", rowMajorCodes.length, (long) out * in, out, in);
        checkLength("int8 per-channel scales", scales.length, out, out, in);
        this.codes = panelBytes(rowMajorCodes, out, in);
        this.scales = new float[panels * NR];
        System.arraycopy(scales, 0, this.scales, 0, out);
    }

    @Override
    public float weight(int o, int i) {
        return codes[byteIndex(o, i)] * scales[o];
    }

    @Override
    public long bytes() {
        return codes.length + 4L * scales.length;
    }

    @Override
    void decodeTile(int t, int p0, int kq, float[] tile, float[] scratch) {
        int base = (t * in + p0) * NR;
        int s0 = t * NR;
        for (int p = 0; p < kq; p++) {
            int src = base + p * NR;
            int dst = p * NR;
            for (int v = 0; v < NR; v += L) {
                FloatVector w = (FloatVector) ByteVector.fromArray(B, codes, src + v)
                        .convertShape(VectorOperators.B2F, S, 0);
                w.mul(FloatVector.fromArray(S, scales, s0 + v)).intoArray(tile, dst + v);
            }
        }
    }
}
