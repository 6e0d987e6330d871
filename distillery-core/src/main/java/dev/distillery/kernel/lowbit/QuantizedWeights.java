package dev.distillery.kernel.lowbit;

import dev.distillery.kernel.LinearWeight;

/**
 * Builds low-bit {@link LinearWeight}s from the canonical arrays the quantizers write, for a
 * weight W [out, in] in PyTorch Linear layout. Each copies what it needs into its own packed
 * layout once; later changes to the arguments are not seen. Example:
 * <pre>{@code
 * LinearWeight w = QuantizedWeights.int8Channel(new byte[] {1, -2}, new float[] {0.5f}, 1, 2);
 * // w is [[0.5, -1.0]]
 * }</pre>
 */
public final class QuantizedWeights {
    /** The 16 NF4 values of bitsandbytes ({@code get_4bit_type("nf4")}), ascending. */
    private static final float[] NF4 = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
            0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
            0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};

    private QuantizedWeights() {
    }

    /** A copy of bitsandbytes' NF4 codebook, for {@link #nf4}. */
    public static float[] nf4Codebook() {
        return NF4.clone();
    }

    /** codes [out·in] in [−127, 127], scales [out]: W[o, i] = codes[o·in + i] · scales[o]. */
    public static BlockedWeight int8Channel(byte[] codes, float[] scales, int out, int in) {
        return new Int8ChannelWeight(codes, scales, out, in);
    }

    /** codes [out·in] unsigned 0..255 stored as {@code (byte)}: W = (code − zeroPoint) · scale. */
    public static BlockedWeight int8Affine(byte[] codes, float scale, int zeroPoint, int out, int in) {
        return new Int8AffineWeight(codes, scale, zeroPoint, out, in);
    }

    /** ggml Q8_0 blocks, row after row: per 32 weights an fp16 scale (LE) then 32 int8 codes; in % 32 == 0. */
    public static BlockedWeight q8_0(byte[] blocks, int out, int in) {
        return new Q8_0Weight(blocks, out, in);
    }

    /** ggml Q4_0 blocks: per 32 weights an fp16 scale (LE) then 16 bytes, byte j = code j | code j+16 ≪ 4. */
    public static BlockedWeight q4_0(byte[] blocks, int out, int in) {
        return new Q4_0Weight(blocks, out, in);
    }

    /**
     * bitsandbytes NF4: packed [⌈out·in / 2⌉] with byte i = code 2i ≪ 4 | code 2i+1, absmax
     * [⌈out·in / 64⌉] over the flattened tensor (already decoded when double-quantized), and the
     * 16-value codebook.
     */
    public static BlockedWeight nf4(byte[] packed, float[] absmax, float[] codebook, int out, int in) {
        return new Nf4Weight(packed, absmax, codebook, out, in);
    }
}
