package dev.distillery.quant;

/**
 * FP16 and BF16 conversions (round to nearest even, as PyTorch's {@code .half()} and
 * {@code .bfloat16()}) and little-endian 16-bit access to byte arrays.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** bfloat16 bits of {@code x}: the top half of its float32 bits, rounded to nearest even; NaN stays NaN. */
    public static short floatToBf16(float x) {
        if (Float.isNaN(x)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(x);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    static void putShortLE(byte[] out, int offset, short v) {
        out[offset] = (byte) v;
        out[offset + 1] = (byte) (v >> 8);
    }

    static short getShortLE(byte[] in, int offset) {
        return (short) ((in[offset] & 0xFF) | in[offset + 1] << 8);
    }
}
