package dev.distillery.io;

/**
 * The two orders in which checkpoints lay out the rows of the query and key projections for
 * rotary position embeddings (Su et al. 2021, "RoFormer"). Meta's original Llama code, llama2.c
 * and GGUF "llama" files rotate adjacent pairs: within each head, rows (2i, 2i + 1) form pair i.
 * Hugging Face's Llama rotates halves ({@code rotate_half}): rows (i, i + headDim/2) form pair i.
 * Both rotate pair i by the same angle, so a checkpoint converts by moving rows; Hugging Face's
 * {@code convert_llama_weights_to_hf.py} does it with
 * {@code w.view(heads, headDim/2, 2, cols).transpose(1, 2).reshape(rows, cols)}, which is
 * {@link #interleavedToHalves}: row {@code h·headDim + j·headDim/2 + i} of the result is row
 * {@code h·headDim + 2i + j} of the source. llama.cpp's converter applies the inverse,
 * {@link #halvesToInterleaved}. Only row order changes, so the same moves apply to quantized rows.
 */
public final class RotaryLayout {
    private RotaryLayout() {
    }

    /**
     * A [heads·headDim, cols] matrix (or a bias, with cols 1) from adjacent-pair rows to
     * Hugging Face's half-split rows.
     */
    public static float[] interleavedToHalves(float[] w, int heads, int headDim, int cols) {
        return permute(w, heads, headDim, cols, true);
    }

    /** The inverse of {@link #interleavedToHalves}: Hugging Face rows to adjacent-pair rows. */
    public static float[] halvesToInterleaved(float[] w, int heads, int headDim, int cols) {
        return permute(w, heads, headDim, cols, false);
    }

    /** {@link #interleavedToHalves} on raw rows of {@code rowBytes} bytes each (e.g. Q8_0 or Q4_0 blocks). */
    public static byte[] interleavedToHalves(byte[] rows, int heads, int headDim, int rowBytes) {
        return permute(rows, heads, headDim, rowBytes, true);
    }

    /** {@link #halvesToInterleaved} on raw rows of {@code rowBytes} bytes each. */
    public static byte[] halvesToInterleaved(byte[] rows, int heads, int headDim, int rowBytes) {
        return permute(rows, heads, headDim, rowBytes, false);
    }

    private static float[] permute(float[] w, int heads, int headDim, int cols, boolean toHalves) {
        check(w.length, heads, headDim, cols);
        float[] out = new float[w.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int halves = h * headDim + j * half + i;
                    int pairs = h * headDim + 2 * i + j;
                    System.arraycopy(w, (toHalves ? pairs : halves) * cols, out, (toHalves ? halves : pairs) * cols, cols);
                }
            }
        }
        return out;
    }

    private static byte[] permute(byte[] w, int heads, int headDim, int rowBytes, boolean toHalves) {
        check(w.length, heads, headDim, rowBytes);
        byte[] out = new byte[w.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int halves = h * headDim + j * half + i;
                    int pairs = h * headDim + 2 * i + j;
                    System.arraycopy(w, (toHalves ? pairs : halves) * rowBytes, out,
                            (toHalves ? halves : pairs) * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }

    private static void check(int length, int heads, int headDim, int cols) {
        if (heads <= 0 || headDim <= 0 || headDim % 2 != 0 || cols <= 0 || (long) heads * headDim * cols != length) {
            throw new IllegalArgumentException("a rotary projection of " + heads + " heads of even size " + headDim
                    + " and " + cols + " columns needs " + (long) heads * headDim * cols + " values, got " + length);
        }
    }
}
