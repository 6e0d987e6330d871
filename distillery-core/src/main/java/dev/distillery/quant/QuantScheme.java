package dev.distillery.quant;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The quantization formats, described as data: the id used on the command line, bits per weight
 * code, values per block and bytes per block, so sizes are computed rather than measured.
 * A scale shared by a whole tensor or row is not part of a block; {@link #sizeBytes} adds it.
 *
 * <p>{@code QuantScheme.fromId("q4_0").sizeBytes(2, 64)} is 72: four blocks of 32 values, each an
 * fp16 scale and 16 bytes of nibbles.
 */
public enum QuantScheme {
    /** Affine per tensor, codes 0..255 with one float scale and an int zero point. */
    INT8("int8", 8, 1, 1),
    /** Symmetric per output row, codes in [-127, 127] with one float scale per row. */
    INT8_CHANNEL("int8-channel", 8, 1, 1),
    /** ggml Q8_0: fp16 scale and 32 int8 codes. */
    Q8_0("q8_0", 8, 32, 34),
    /** ggml Q4_0: fp16 scale and 32 four-bit codes. */
    Q4_0("q4_0", 4, 32, 18),
    /** bitsandbytes NF4: 64 four-bit codes and a float absmax. */
    NF4("nf4", 4, 64, 36),
    /** bitsandbytes NF4 with double quantization: the absmax is an 8-bit code (nested scales apart). */
    NF4_DQ("nf4-dq", 4, 64, 33),
    /** IEEE half precision, round to nearest even; a storage format. */
    FP16("fp16", 16, 1, 2),
    /** bfloat16, round to nearest even; a storage format. */
    BF16("bf16", 16, 1, 2);

    private final String id;
    private final int bits;
    private final int blockSize;
    private final int bytesPerBlock;

    QuantScheme(String id, int bits, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.bits = bits;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** The name on the command line and in manifests, e.g. {@code nf4-dq}. */
    public String id() {
        return id;
    }

    /** Bits of one weight code (scales apart). */
    public int bits() {
        return bits;
    }

    /** Values sharing one scale inside the packed data; 1 when the scale is per tensor or per row. */
    public int blockSize() {
        return blockSize;
    }

    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** FP16 and BF16 only change the storage type; loading widens them to FP32. */
    public boolean isStorageOnly() {
        return this == FP16 || this == BF16;
    }

    /** The ggml formats need rows that are whole blocks; the others take any shape. */
    public boolean accepts(int rows, int cols) {
        return rows >= 0 && cols >= 0 && (this != Q8_0 && this != Q4_0 || cols % 32 == 0);
    }

    /** Why {@link #accepts} is false, as a sentence fragment. */
    public String requirement() {
        return this == Q8_0 || this == Q4_0 ? "rows whose length is a multiple of 32" : "any shape";
    }

    /** Bytes of a [rows, cols] tensor in this format, scales and offsets included. */
    public long sizeBytes(int rows, int cols) {
        long n = (long) rows * cols;
        long blocks = (n + 63) / 64;
        return switch (this) {
            case INT8 -> n + 8;
            case INT8_CHANNEL -> n + 4L * rows;
            case Q8_0, Q4_0 -> n / blockSize * bytesPerBlock;
            case NF4 -> (n + 1) / 2 + 4 * blocks;
            case NF4_DQ -> (n + 1) / 2 + blocks + 4 * ((blocks + 255) / 256) + 4;
            case FP16, BF16 -> 2 * n;
        };
    }

    /**
     * Quantizes a [rows, cols] row-major matrix. Rows are PyTorch Linear's output features.
     *
     * @throws IllegalArgumentException if the shape does not fit ({@link #accepts}) or a value is
     *                                  not finite
     */
    public QuantizedTensor quantize(float[] values, int rows, int cols) {
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException("shape [" + rows + ", " + cols + "] holds " + (long) rows * cols
                    + " values but the array has " + values.length);
        }
        if (!accepts(rows, cols)) {
            throw new IllegalArgumentException(id + " needs " + requirement() + "; got [" + rows + ", " + cols + "]");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("cannot quantize the non-finite value " + values[i] + " at index " + i);
            }
        }
        return switch (this) {
            case INT8 -> Int8Tensor.quantize(values, rows, cols);
            case INT8_CHANNEL -> Int8ChannelTensor.quantize(values, rows, cols);
            case Q8_0 -> Q8_0Tensor.quantize(values, rows, cols);
            case Q4_0 -> Q4_0Tensor.quantize(values, rows, cols);
            case NF4 -> Nf4Tensor.quantize(values, rows, cols);
            case NF4_DQ -> Nf4DqTensor.quantize(values, rows, cols);
            case FP16, BF16 -> HalfTensor.quantize(this, values, rows, cols);
        };
    }

    /**
     * Quantize-dequantize ("fake quantization"): the FP32 values a model stored in this format computes
     * with, for quantization-aware training and error measurement. Equals
     * {@code quantize(values, rows, cols).dequantize()}.
     */
    public float[] roundTrip(float[] values, int rows, int cols) {
        return quantize(values, rows, cols).dequantize();
    }

    /** The scheme named {@code id}, e.g. {@code int8-channel}. */
    public static QuantScheme fromId(String id) {
        for (QuantScheme s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown quantization scheme '" + id + "'; expected one of " + ids());
    }

    /** All ids, comma separated, for messages and help texts. */
    public static String ids() {
        return Arrays.stream(values()).map(QuantScheme::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
