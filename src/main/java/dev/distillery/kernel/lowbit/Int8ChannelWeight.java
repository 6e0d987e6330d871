package dev.distillery.kernel.lowbit;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * INT8 symmetric per output channel: W[o, i] = code[o, i] · scale[o], codes in [−127, 127].
 * One byte per weight plus one float per output.
 */
public final class Int8ChannelWeight extends BlockedWeight {
    private final byte[] codes;   // 8-bit strips
    private final float[] scales; // [strips·16], zero past out

    Int8ChannelWeight(byte[] rowMajorCodes, float[] scales, int out, int in) {
        super(out, in);
        checkLength("int8 codes", rowMajorCodes.length, (long) out * in, out, in);
        checkLength("int8 per-channel scales", scales.length, out, out, in);
        this.codes = stripBytes(rowMajorCodes, out, in);
        this.scales = new float[strips() * STRIP];
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
    void decodeStrip(int s, int p0, int kq, float[] dst, int d, int ldd) {
        int base = (s * in + p0) * STRIP;
        for (int v = 0; v < STRIP; v += L) {
            FloatVector scale = FloatVector.fromArray(S, scales, s * STRIP + v);
            for (int p = 0; p < kq; p++) {
                FloatVector w = (FloatVector) ByteVector.fromArray(B, codes, base + p * STRIP + v)
                        .convertShape(VectorOperators.B2F, S, 0);
                w.mul(scale).intoArray(dst, d + p * ldd + v);
            }
        }
    }
}
