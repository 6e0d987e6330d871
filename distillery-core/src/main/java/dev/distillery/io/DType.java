package dev.distillery.io;

import java.util.Optional;

/**
 * The element types of the safetensors format, named as in its header and declared in the
 * format's own order of increasing alignment: the writer sorts tensors by that order
 * (descending), as the reference Rust implementation does, so both produce the same bytes.
 *
 * <p>Sizes are in bits because F4 and the F6 types pack several values per byte; a tensor of
 * such a type must fill a whole number of bytes. {@code DType.F16.bits()} is 16.
 */
public enum DType {
    BOOL(8, false),
    F4(4, true),
    F6_E2M3(6, true),
    F6_E3M2(6, true),
    U8(8, false),
    I8(8, false),
    F8_E5M2(8, true),
    F8_E4M3(8, true),
    F8_E8M0(8, true),
    I16(16, false),
    U16(16, false),
    F16(16, true),
    BF16(16, true),
    I32(32, false),
    U32(32, false),
    F32(32, true),
    C64(64, false),
    F64(64, true),
    I64(64, false),
    U64(64, false);

    private final int bits;
    private final boolean floating;

    DType(int bits, boolean floating) {
        this.bits = bits;
        this.floating = floating;
    }

    public int bits() {
        return bits;
    }

    /** True for the floating-point formats (including the sub-byte and FP8 ones). */
    public boolean isFloating() {
        return floating;
    }

    /**
     * Whether {@link TensorCodec#toFloats} can decode this type: every type except the packed
     * sub-byte floats (F4, F6) and complex numbers, which stay raw bytes.
     */
    public boolean decodesToFloat() {
        return bits % 8 == 0 && this != C64;
    }

    /** The dtype spelled exactly {@code name} in a safetensors header, if known. */
    public static Optional<DType> fromHeaderName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Bytes taken by {@code elements} values, or -1 when sub-byte values do not fill whole bytes
     * or the size overflows a long.
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements > Long.MAX_VALUE / bits) {
            return -1;
        }
        long totalBits = elements * bits;
        return totalBits % 8 == 0 ? totalBits / 8 : -1;
    }
}
