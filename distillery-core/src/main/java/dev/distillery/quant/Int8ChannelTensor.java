package dev.distillery.quant;

/**
 * INT8 symmetric quantization per output channel (row of a PyTorch Linear weight [out, in]):
 * {@code scale[r] = absmax(row r) / 127}, {@code code = clamp(rint(w / scale[r]), −127, 127)} in
 * float32 with rint rounding half to even; −128 is never used so the range is symmetric. A row of
 * zeros has scale 0 and codes 0. Dequantized: {@code w ≈ code · scale[r]}.
 *
 * @param codes  [rows·cols] signed codes, row-major
 * @param scales [rows]
 */
public record Int8ChannelTensor(int rows, int cols, byte[] codes, float[] scales) implements QuantizedTensor {
    public Int8ChannelTensor {
        QuantizedTensor.checkShape(rows, cols);
        QuantizedTensor.checkLength("int8-channel codes", codes.length, (long) rows * cols);
        QuantizedTensor.checkLength("int8-channel scales", scales.length, rows);
        for (byte c : codes) {
            if (c == Byte.MIN_VALUE) {
                throw new IllegalArgumentException("int8-channel codes lie in [-127, 127]; found -128");
            }
        }
    }

    public static Int8ChannelTensor quantize(float[] w, int rows, int cols) {
        byte[] codes = new byte[w.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float amax = 0f;
            for (int j = 0; j < cols; j++) {
                amax = Math.max(amax, Math.abs(w[r * cols + j]));
            }
            float scale = amax / 127f;
            scales[r] = scale;
            if (scale == 0f) {
                continue;
            }
            for (int j = 0; j < cols; j++) {
                codes[r * cols + j] = (byte) Int8Tensor.clamp((int) Math.rint(w[r * cols + j] / scale), -127, 127);
            }
        }
        return new Int8ChannelTensor(rows, cols, codes, scales);
    }

    @Override
    public QuantScheme scheme() {
        return QuantScheme.INT8_CHANNEL;
    }

    @Override
    public float get(int index) {
        return codes[index] * scales[index / cols];
    }
}
