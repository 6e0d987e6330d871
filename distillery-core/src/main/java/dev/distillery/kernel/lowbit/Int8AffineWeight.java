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
 * INT8 affine per tensor: W[o, i] = (code[o, i] − zeroPoint) · scale with unsigned codes 0..255
 * (stored as Java bytes). One byte per weight.
 */
public final class Int8AffineWeight extends BlockedWeight {
    private final byte[] codes; // 8-bit panels, unsigned
    private final float scale;
    private final int zeroPoint;

    Int8AffineWeight(byte[] rowMajorCodes, float scale, int zeroPoint, int out, int in) {
        super(out, in);
        checkLength("int8 affine codes", rowMajorCodes.length, (long) out * in, out, in);
        if (zeroPoint < 0 || zeroPoint > 255) {
            throw new IllegalArgumentException("int8 affine zero point must be in [0, 255], got " + zeroPoint);
        }
        this.codes = panelBytes(rowMajorCodes, out, in);
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
    void decodeTile(int t, int p0, int kq, float[] tile, float[] scratch) {
        int base = (t * in + p0) * NR;
        for (int p = 0; p < kq; p++) {
            int src = base + p * NR;
            int dst = p * NR;
            for (int v = 0; v < NR; v += L) {
                IntVector code = (IntVector) ByteVector.fromArray(B, codes, src + v)
                        .convertShape(VectorOperators.B2I, I, 0);
                FloatVector w = (FloatVector) code.and(0xFF).sub(zeroPoint).convert(VectorOperators.I2F, 0);
                w.mul(scale).intoArray(tile, dst + v);
            }
        }
    }
}
