package dev.distillery.io.gguf;

/**
 * ggml's tensor element types (the {@code ggml_type} enum of ggml's docs/gguf.md) described as
 * data: the id stored in a GGUF tensor info, the number of values per block and the bytes per
 * block, so a tensor's size is computed, never looked up. Every type ggml defines is known, so a
 * file holding any of them can be validated and copied; {@link #decodable()} says which ones
 * Distillery turns into numbers.
 *
 * <p>Block layouts of the two quantized types read here (ggml's ggml-common.h): Q8_0 is an fp16
 * scale then 32 int8 values (34 bytes); Q4_0 is an fp16 scale then 16 bytes holding value j in the
 * low nibble and value j + 16 in the high nibble of byte j (18 bytes); see
 * {@link dev.distillery.quant.Q8_0Tensor} and {@link dev.distillery.quant.Q4_0Tensor}.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The value stored in a GGUF tensor info. */
    public int id() {
        return id;
    }

    /** Values per block; 1 for the plain types. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** The type with this id, or null for an id ggml does not define (or has removed). */
    public static GgmlType byId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** Whether Distillery decodes this type: to FP32 (F32, F16, BF16) or to its packed tensor (Q8_0, Q4_0). */
    public boolean decodable() {
        return this == F32 || this == F16 || this == BF16 || this == Q8_0 || this == Q4_0;
    }

    /**
     * Bytes of a tensor whose innermost dimension is {@code ne0} and that has {@code rows} rows of
     * it, or -1 when {@code ne0} is not a whole number of blocks or the size overflows a long.
     */
    public long byteSize(long ne0, long rows) {
        if (ne0 < 0 || rows < 0 || ne0 % blockSize != 0) {
            return -1;
        }
        try {
            return Math.multiplyExact(Math.multiplyExact(ne0 / blockSize, (long) typeSize), rows);
        } catch (ArithmeticException e) {
            return -1;
        }
    }
}
