package dev.distillery.quant;

/**
 * INT8 affine quantization per tensor, as PyTorch's MinMax observer and {@code quantize_per_tensor}
 * define it: the range [min, max] is widened to hold 0 (so 0 is exact and the zero point fits),
 * {@code scale = (max − min) / 255}, {@code zeroPoint = rint(−min / scale)},
 * {@code code = clamp(rint(w / scale) + zeroPoint, 0, 255)}, all in float32, rint rounding half to
 * even. Dequantized: {@code w ≈ (code − zeroPoint) · scale}. A tensor of zeros has scale 0.
 *
 * <p>Layout: {@code codes[i]} holds code 0..255 as {@code (byte) code} for element i of the
 * row-major matrix. The tutorial's 3×3 example (min −0.891, max 0.789) gives scale 0.0065882,
 * zero point 135, and 0.127 → 154.
 *
 * @param codes [rows·cols], unsigned codes stored in bytes
 */
public record Int8Tensor(int rows, int cols, byte[] codes, float scale, int zeroPoint) implements QuantizedTensor {
    public Int8Tensor {
        QuantizedTensor.checkShape(rows, cols);
        QuantizedTensor.checkLength("int8 codes", codes.length, (long) rows * cols);
        if (zeroPoint < 0 || zeroPoint > 255 || !(scale >= 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("int8 needs a finite scale >= 0 and a zero point in 0..255; got scale "
                    + scale + ", zero point " + zeroPoint);
        }
    }

    public static Int8Tensor quantize(float[] w, int rows, int cols) {
        float lo = 0f;
        float hi = 0f;
        for (float v : w) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        byte[] codes = new byte[w.length];
        float scale = (hi - lo) / 255f;
        if (scale == 0f) {
            return new Int8Tensor(rows, cols, codes, 0f, 0);
        }
        int zeroPoint = clamp((int) Math.rint(-lo / scale), 0, 255);
        for (int i = 0; i < w.length; i++) {
            codes[i] = (byte) clamp((int) Math.rint(w[i] / scale) + zeroPoint, 0, 255);
        }
        return new Int8Tensor(rows, cols, codes, scale, zeroPoint);
    }

    @Override
    public QuantScheme scheme() {
        return QuantScheme.INT8;
    }

    /** The unsigned code of element {@code index}. */
    public int code(int index) {
        return codes[index] & 0xFF;
    }

    @Override
    public float get(int index) {
        return (code(index) - zeroPoint) * scale;
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
