package dev.distillery.kernel.lowbit;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * INT8 affine per tensor: W[o, i] = (code[o, i] − zeroPoint) · scale with unsigned codes 0..255
 * (stored as Java bytes). One byte per weight.
 */
public final class Int8AffineWeight extends BlockedWeight {
    private final byte[] codes; // 8-bit strips, unsigned
    private final float scale;
    private final int zeroPoint;

    Int8AffineWeight(byte[] rowMajorCodes, float scale, int zeroPoint, int out, int in) {
        super(out, in);
        checkLength("int8 affine codes", rowMajorCodes.length, (long) out * in, out, in);
        if (zeroPoint < 0 || zeroPoint > 255) {
            throw new IllegalArgumentException("int8 affine zero point must be in [0, 255], got " + zeroPoint);
        }
        this.codes = stripBytes(rowMajorCodes, out, in);
        this.scale = scale;
        this.zeroPoint = zeroPoint;
    }

    @Override
    public float weight(int o, int i) {
        return ((codes[byteIndex(o, i)] & 0xFF) - zeroPoint) * scale;
    }

    @Override
    public long bytes() {
        return codes.length + 8L;
    }

    @Override
    void decodeStrip(int s, int p0, int kq, float[] dst, int d, int ldd) {
        int base = (s * in + p0) * STRIP;
        for (int p = 0; p < kq; p++) {
            for (int v = 0; v < STRIP; v += L) {
                IntVector code = (IntVector) ByteVector.fromArray(B, codes, base + p * STRIP + v)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                // code − zeroPoint is exact in int, so one rounding when scaled, as in weight().
                ((FloatVector) code.sub(zeroPoint).convert(VectorOperators.I2F, 0)).mul(scale)
                        .intoArray(dst, d + p * ldd + v);
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
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            for (int p = 0; p < kq; p++) {
                FloatVector xp = FloatVector.broadcast(S, x[xIdx + p]);
                IntVector k0 = (IntVector) ByteVector.fromArray(B, codes, c0 + p * STRIP).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                a0 = ((FloatVector) k0.sub(zeroPoint).convert(VectorOperators.I2F, 0)).mul(scale).fma(xp, a0);
                IntVector k1 = (IntVector) ByteVector.fromArray(B, codes, c1 + p * STRIP).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                a1 = ((FloatVector) k1.sub(zeroPoint).convert(VectorOperators.I2F, 0)).mul(scale).fma(xp, a1);
                IntVector k2 = (IntVector) ByteVector.fromArray(B, codes, c2 + p * STRIP).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                a2 = ((FloatVector) k2.sub(zeroPoint).convert(VectorOperators.I2F, 0)).mul(scale).fma(xp, a2);
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
