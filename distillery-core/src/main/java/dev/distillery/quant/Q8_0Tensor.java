package dev.distillery.quant;

/**
 * ggml's Q8_0 ({@code quantize_row_q8_0_ref}): per 32 consecutive values of a row,
 * {@code d = absmax / 127}, {@code q = roundf(w · (1/d))} (half away from zero; the reciprocal of
 * the float32 d, not of its fp16 rounding), and d stored as fp16 (round to nearest even).
 * Dequantized: {@code w ≈ q · fp16(d)}.
 *
 * <p>Block layout, 34 bytes: {@code d} as fp16 little-endian (2 bytes), then 32 signed bytes
 * {@code q[0..31]}. Blocks follow each other in row-major order; rows must be whole blocks.
 *
 * @param blocks [rows·cols/32 · 34]
 */
public record Q8_0Tensor(int rows, int cols, byte[] blocks) implements QuantizedTensor {
    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;

    public Q8_0Tensor {
        QuantizedTensor.checkShape(rows, cols);
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException("q8_0 rows must be whole blocks of 32; got " + cols + " columns");
        }
        QuantizedTensor.checkLength("q8_0 blocks", blocks.length, (long) rows * cols / BLOCK * BLOCK_BYTES);
    }

    public static Q8_0Tensor quantize(float[] w, int rows, int cols) {
        int nBlocks = w.length / BLOCK;
        byte[] out = new byte[nBlocks * BLOCK_BYTES];
        for (int b = 0; b < nBlocks; b++) {
            int base = b * BLOCK;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(w[base + j]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            int o = b * BLOCK_BYTES;
            HalfFloats.putShortLE(out, o, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) {
                out[o + 2 + j] = (byte) roundHalfAway(w[base + j] * id);
            }
        }
        return new Q8_0Tensor(rows, cols, out);
    }

    /** C's roundf: halves go away from zero (Math.round would send −2.5 to −2). */
    static int roundHalfAway(float x) {
        return (int) Math.copySign(Math.floor(Math.abs((double) x) + 0.5), x);
    }

    @Override
    public QuantScheme scheme() {
        return QuantScheme.Q8_0;
    }

    /** The fp16 scale of block {@code block}, widened. */
    public float scale(int block) {
        return Float.float16ToFloat(HalfFloats.getShortLE(blocks, block * BLOCK_BYTES));
    }

    @Override
    public float get(int index) {
        int block = index / BLOCK;
        return blocks[block * BLOCK_BYTES + 2 + index % BLOCK] * scale(block);
    }
}
