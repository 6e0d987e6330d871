package dev.distillery.quant;

/**
 * A [rows, cols] row-major matrix in one of the {@link QuantScheme} layouts. Implementations are
 * immutable records over their canonical arrays (shared with the kernels, never copied on the way),
 * each with a readable scalar {@link #get}.
 *
 * <p>Life cycle: made by {@link QuantScheme#quantize} or read from a checkpoint, then handed to a
 * kernel or written; {@link #dequantize} exists to measure error and for tests, not for inference.
 */
public sealed interface QuantizedTensor
        permits Int8Tensor, Int8ChannelTensor, Q8_0Tensor, Q4_0Tensor, Nf4Tensor, Nf4DqTensor, HalfTensor {

    QuantScheme scheme();

    int rows();

    int cols();

    /** The reference dequantization of element {@code index} of the flattened matrix. */
    float get(int index);

    /** Bytes of the packed data, scales included; equals {@code scheme().sizeBytes(rows(), cols())}. */
    default long sizeBytes() {
        return scheme().sizeBytes(rows(), cols());
    }

    /** Every element through {@link #get}: a full FP32 copy, for error measurement only. */
    default float[] dequantize() {
        float[] out = new float[Math.multiplyExact(rows(), cols())];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    /** Dequantizes row {@code row} into {@code out[offset..offset+cols)}: a gather for embeddings. */
    default void dequantizeRow(int row, float[] out, int offset) {
        int base = row * cols();
        for (int j = 0; j < cols(); j++) {
            out[offset + j] = get(base + j);
        }
    }

    static void checkShape(int rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("unsupported shape [" + rows + ", " + cols + "]");
        }
    }

    static void checkLength(String what, int actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " has " + actual + " entries, expected " + expected);
        }
    }
}
