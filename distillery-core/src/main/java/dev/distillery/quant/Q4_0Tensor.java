package dev.distillery.quant;

/**
 * ggml's Q4_0 ({@code quantize_row_q4_0_ref}): per 32 consecutive values of a row, {@code max} is
 * the first value of largest magnitude (its sign kept), {@code d = max / −8},
 * {@code q = min(15, trunc(w · (1/d) + 8.5))} in float32, and d stored as fp16 (round to nearest
 * even). Dequantized: {@code w ≈ (q − 8) · fp16(d)}; the largest value maps exactly to code 0.
 *
 * <p>Block layout, 18 bytes: {@code d} as fp16 little-endian, then 16 bytes where byte j holds
 * {@code q[j]} in its low nibble and {@code q[j + 16]} in its high nibble.
 *
 * @param blocks [rows·cols/32 · 18]
 */
public record Q4_0Tensor(int rows, int cols, byte[] blocks) implements QuantizedTensor {
    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 18;

    public Q4_0Tensor {
        QuantizedTensor.checkShape(rows, cols);
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException("q4_0 rows must be whole blocks of 32; got " + cols + " columns");
        }
        QuantizedTensor.checkLength("q4_0 blocks", blocks.length, (long) rows * cols / BLOCK * BLOCK_BYTES);
    }

    public static Q4_0Tensor quantize(float[] w, int rows, int cols) {
        int nBlocks = w.length / BLOCK;
        byte[] out = new byte[nBlocks * BLOCK_BYTES];
        for (int b = 0; b < nBlocks; b++) {
            int base = b * BLOCK;
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = w[base + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            int o = b * BLOCK_BYTES;
            HalfFloats.putShortLE(out, o, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK / 2; j++) {
                int lo = Math.min(15, (int) (w[base + j] * id + 8.5f));
                int hi = Math.min(15, (int) (w[base + j + 16] * id + 8.5f));
                out[o + 2 + j] = (byte) (lo | hi << 4);
            }
        }
        return new Q4_0Tensor(rows, cols, out);
    }

    @Override
    public QuantScheme scheme() {
        return QuantScheme.Q4_0;
    }

    public float scale(int block) {
        return Float.float16ToFloat(HalfFloats.getShortLE(blocks, block * BLOCK_BYTES));
    }

    /** The 4-bit code 0..15 of element {@code index}. */
    public int code(int index) {
        int block = index / BLOCK;
        int j = index % BLOCK;
        int b = blocks[block * BLOCK_BYTES + 2 + (j & 15)];
        return j < 16 ? b & 0xF : (b >> 4) & 0xF;
    }

    @Override
    public float get(int index) {
        return (code(index) - 8) * scale(index / BLOCK);
    }
}
