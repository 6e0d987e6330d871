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
                ((FloatVector) ByteVector.fromArray(B, codes, base + p * STRIP + v).convertShape(VectorOperators.B2F, S, 0))
                        .mul(scale).intoArray(dst, d + p * ldd + v);
            }
        }
    }

    @Override
    protected void multiplyRow(float[] x, int xIdx, int s0, int p0, int kq, float[] c, int cIdx, boolean add) {
        for (int g = 0; g < ROW; g += 3 * L) {
            int j1 = g + L;
            int j2 = g + 2 * L;
            int c0 = (strip(s0, g) * in + p0) * STRIP + g % STRIP;
            int c1 = (strip(s0, j1) * in + p0) * STRIP + j1 % STRIP;
            int c2 = (strip(s0, j2) * in + p0) * STRIP + j2 % STRIP;
            FloatVector sc0 = FloatVector.fromArray(S, scales, s0 * STRIP + g);
            FloatVector sc1 = FloatVector.fromArray(S, scales, s0 * STRIP + j1);
            FloatVector sc2 = FloatVector.fromArray(S, scales, s0 * STRIP + j2);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            for (int p = 0; p < kq; p++) {
                FloatVector xp = FloatVector.broadcast(S, x[xIdx + p]);
                a0 = ((FloatVector) ByteVector.fromArray(B, codes, c0 + p * STRIP).convertShape(VectorOperators.B2F, S, 0))
                        .mul(sc0).fma(xp, a0);
                a1 = ((FloatVector) ByteVector.fromArray(B, codes, c1 + p * STRIP).convertShape(VectorOperators.B2F, S, 0))
                        .mul(sc1).fma(xp, a1);
                a2 = ((FloatVector) ByteVector.fromArray(B, codes, c2 + p * STRIP).convertShape(VectorOperators.B2F, S, 0))
                        .mul(sc2).fma(xp, a2);
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
