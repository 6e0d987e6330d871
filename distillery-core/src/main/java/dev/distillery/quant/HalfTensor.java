package dev.distillery.quant;

/**
 * FP16 or BF16 storage of a [rows, cols] matrix: {@code bits[i]} are the 16-bit patterns, rounded
 * to nearest even from float32. These are storage formats: loading widens them to FP32.
 *
 * @param bits [rows·cols]
 */
public record HalfTensor(QuantScheme scheme, int rows, int cols, short[] bits) implements QuantizedTensor {
    public HalfTensor {
        if (scheme != QuantScheme.FP16 && scheme != QuantScheme.BF16) {
            throw new IllegalArgumentException("a half tensor is fp16 or bf16, not " + scheme);
        }
        QuantizedTensor.checkShape(rows, cols);
        QuantizedTensor.checkLength(scheme.id() + " values", bits.length, (long) rows * cols);
    }

    public static HalfTensor quantize(QuantScheme scheme, float[] w, int rows, int cols) {
        short[] bits = new short[w.length];
        for (int i = 0; i < w.length; i++) {
            bits[i] = scheme == QuantScheme.FP16 ? Float.floatToFloat16(w[i]) : HalfFloats.floatToBf16(w[i]);
        }
        return new HalfTensor(scheme, rows, cols, bits);
    }

    @Override
    public float get(int index) {
        return scheme == QuantScheme.FP16 ? Float.float16ToFloat(bits[index]) : HalfFloats.bf16ToFloat(bits[index]);
    }
}
