package dev.distillery.quant;

/**
 * NF4 exactly as bitsandbytes' {@code quantize_4bit(quant_type="nf4", blocksize=64)}: the tensor is
 * flattened row-major and cut into blocks of 64 (the last may be short); each block keeps its
 * float32 absmax and each value the NF4 code nearest to {@code w · (1/absmax)} (ties to the lower
 * index, see {@link Nf4#code}). Dequantized: {@code w ≈ NF4[code] · absmax[i / 64]}.
 *
 * <p>Layout: {@code packed[i] = code[2i] << 4 | code[2i+1]} (element 2i in the high nibble); with an
 * odd count the last low nibble is 0.
 *
 * @param packed [ceil(rows·cols / 2)]
 * @param absmax [ceil(rows·cols / 64)]
 */
public record Nf4Tensor(int rows, int cols, byte[] packed, float[] absmax) implements QuantizedTensor {
    public static final int BLOCK = 64;

    public Nf4Tensor {
        QuantizedTensor.checkShape(rows, cols);
        long n = (long) rows * cols;
        QuantizedTensor.checkLength("nf4 packed codes", packed.length, (n + 1) / 2);
        QuantizedTensor.checkLength("nf4 absmax", absmax.length, (n + BLOCK - 1) / BLOCK);
    }

    public static Nf4Tensor quantize(float[] w, int rows, int cols) {
        int n = w.length;
        float[] absmax = new float[(n + BLOCK - 1) / BLOCK];
        byte[] packed = new byte[(n + 1) / 2];
        for (int b = 0; b < absmax.length; b++) {
            int end = Math.min(n, (b + 1) * BLOCK);
            float amax = 0f;
            for (int i = b * BLOCK; i < end; i++) {
                amax = Math.max(amax, Math.abs(w[i]));
            }
            absmax[b] = amax;
            float inv = 1f / amax; // the kernel multiplies by the reciprocal; ∞ for a block of zeros
            for (int i = b * BLOCK; i < end; i++) {
                int code = Nf4.code(w[i] * inv);
                packed[i >> 1] |= (byte) ((i & 1) == 0 ? code << 4 : code);
            }
        }
        return new Nf4Tensor(rows, cols, packed, absmax);
    }

    @Override
    public QuantScheme scheme() {
        return QuantScheme.NF4;
    }

    /** The 4-bit code of element {@code index}. */
    public int code(int index) {
        int b = packed[index >> 1];
        return (index & 1) == 0 ? (b >> 4) & 0xF : b & 0xF;
    }

    @Override
    public float get(int index) {
        return Nf4.value(code(index)) * absmax[index / BLOCK];
    }
}
