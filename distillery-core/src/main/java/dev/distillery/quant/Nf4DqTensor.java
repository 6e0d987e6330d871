package dev.distillery.quant;

/**
 * NF4 with double quantization, as bitsandbytes' {@code quantize_4bit(..., compress_statistics=True)}:
 * the 4-bit codes are those of {@link Nf4Tensor}; the block absmaxes are then centred on their mean
 * (the {@code offset}: summed in double in block order, rounded once to float32) and quantized in
 * blocks of 256 with the signed {@link DynamicMap}: {@code nestedAbsmax[g] = max |absmax − offset|}
 * over group g, {@code absmaxCode = nearest code of (absmax − offset) · (1/nestedAbsmax[g])}.
 * Restored: {@code absmax[b] = map[absmaxCode[b]] · nestedAbsmax[b / 256] + offset} (two float32
 * roundings, no fused multiply-add); {@code w ≈ NF4[code] · absmax[i / 64]}.
 *
 * @param packed       [ceil(rows·cols / 2)], as in {@link Nf4Tensor}
 * @param absmaxCodes  [blocks], blocks = ceil(rows·cols / 64), unsigned codes into the dynamic map
 * @param nestedAbsmax [ceil(blocks / 256)]
 */
public record Nf4DqTensor(int rows, int cols, byte[] packed, byte[] absmaxCodes, float[] nestedAbsmax, float offset)
        implements QuantizedTensor {
    public static final int NESTED_BLOCK = 256;

    public Nf4DqTensor {
        QuantizedTensor.checkShape(rows, cols);
        long n = (long) rows * cols;
        long blocks = (n + Nf4Tensor.BLOCK - 1) / Nf4Tensor.BLOCK;
        QuantizedTensor.checkLength("nf4-dq packed codes", packed.length, (n + 1) / 2);
        QuantizedTensor.checkLength("nf4-dq absmax codes", absmaxCodes.length, blocks);
        QuantizedTensor.checkLength("nf4-dq nested absmax", nestedAbsmax.length, (blocks + NESTED_BLOCK - 1) / NESTED_BLOCK);
        if (!Float.isFinite(offset)) {
            throw new IllegalArgumentException("nf4-dq offset must be finite; got " + offset);
        }
    }

    public static Nf4DqTensor quantize(float[] w, int rows, int cols) {
        Nf4Tensor single = Nf4Tensor.quantize(w, rows, cols);
        float[] absmax = single.absmax();
        double sum = 0;
        for (float a : absmax) {
            sum += a;
        }
        float offset = absmax.length == 0 ? 0f : (float) (sum / absmax.length);
        byte[] codes = new byte[absmax.length];
        float[] nested = new float[(absmax.length + NESTED_BLOCK - 1) / NESTED_BLOCK];
        for (int g = 0; g < nested.length; g++) {
            int end = Math.min(absmax.length, (g + 1) * NESTED_BLOCK);
            float amax = 0f;
            for (int b = g * NESTED_BLOCK; b < end; b++) {
                amax = Math.max(amax, Math.abs(absmax[b] - offset));
            }
            nested[g] = amax;
            float inv = 1f / amax;
            for (int b = g * NESTED_BLOCK; b < end; b++) {
                codes[b] = (byte) DynamicMap.code((absmax[b] - offset) * inv);
            }
        }
        return new Nf4DqTensor(rows, cols, single.packed(), codes, nested, offset);
    }

    @Override
    public QuantScheme scheme() {
        return QuantScheme.NF4_DQ;
    }

    /** The restored absmax of 64-value block {@code block}. */
    public float absmax(int block) {
        return DynamicMap.value(absmaxCodes[block] & 0xFF) * nestedAbsmax[block / NESTED_BLOCK] + offset;
    }

    /** All restored block absmaxes [blocks]: small (one float per 64 weights), for kernels that want them. */
    public float[] restoredAbsmax() {
        float[] out = new float[absmaxCodes.length];
        for (int b = 0; b < out.length; b++) {
            out[b] = absmax(b);
        }
        return out;
    }

    public int code(int index) {
        int b = packed[index >> 1];
        return (index & 1) == 0 ? (b >> 4) & 0xF : b & 0xF;
    }

    @Override
    public float get(int index) {
        return Nf4.value(code(index)) * absmax(index / Nf4Tensor.BLOCK);
    }
}
