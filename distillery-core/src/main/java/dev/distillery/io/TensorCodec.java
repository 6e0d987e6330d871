package dev.distillery.io;

import dev.distillery.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Converts between stored element types and FP32. Decoding is exact wherever FP32 can hold the
 * value (every F16, BF16, FP8, 8- and 16-bit integer); F64 and wide integers are rounded to the
 * nearest float. Encoding to F16 and BF16 rounds to nearest, ties to even, as PyTorch does, so a
 * tensor converted here and one converted by {@code tensor.half()} have the same bytes.
 */
public final class TensorCodec {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TensorCodec() {
    }

    /**
     * Decodes {@code count} values of type {@code dtype} from the start of {@code src}.
     *
     * @throws IllegalArgumentException for a dtype that {@link DType#decodesToFloat} rejects
     */
    public static float[] toFloats(DType dtype, MemorySegment src, int count) {
        float[] out = new float[count];
        switch (dtype) {
            case F32 -> MemorySegment.copy(src, F32_LE, 0, out, 0, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.float16ToFloat(src.get(I16_LE, 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((src.get(I16_LE, 2L * i) & 0xFFFF) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (float) src.get(F64_LE, 8L * i);
                }
            }
            case BOOL -> {
                for (int i = 0; i < count; i++) {
                    out[i] = src.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1f : 0f;
                }
            }
            case U8 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = src.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                }
            }
            case I8 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = src.get(ValueLayout.JAVA_BYTE, i);
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = e4m3ToFloat(src.get(ValueLayout.JAVA_BYTE, i));
                }
            }
            case F8_E5M2 -> {
                // E5M2 is the top byte of an IEEE half: same exponent bias, two mantissa bits.
                for (int i = 0; i < count; i++) {
                    out[i] = Float.float16ToFloat((short) (src.get(ValueLayout.JAVA_BYTE, i) << 8));
                }
            }
            case F8_E8M0 -> {
                for (int i = 0; i < count; i++) {
                    int e = src.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                    out[i] = e == 0xFF ? Float.NaN : Math.scalb(1f, e - 127);
                }
            }
            case I16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = src.get(I16_LE, 2L * i);
                }
            }
            case U16 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = src.get(I16_LE, 2L * i) & 0xFFFF;
                }
            }
            case I32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = src.get(I32_LE, 4L * i);
                }
            }
            case U32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Integer.toUnsignedLong(src.get(I32_LE, 4L * i));
                }
            }
            case I64 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = src.get(I64_LE, 8L * i);
                }
            }
            case U64 -> {
                for (int i = 0; i < count; i++) {
                    long v = src.get(I64_LE, 8L * i);
                    out[i] = v >= 0 ? v : (float) (v >>> 1) * 2f;
                }
            }
            default -> throw new IllegalArgumentException("dtype " + dtype + " has no float conversion; read its raw bytes");
        }
        return out;
    }

    /** OCP FP8 E4M3 ("fn"): bias 7, no infinities, S.1111.111 is NaN. */
    static float e4m3ToFloat(byte b) {
        int sign = (b & 0x80) != 0 ? -1 : 1;
        int exp = (b >> 3) & 0xF;
        int mant = b & 0x7;
        if (exp == 0xF && mant == 0x7) {
            return Float.NaN;
        }
        float magnitude = exp == 0 ? Math.scalb((float) mant, -9) : Math.scalb((float) (8 + mant), exp - 10);
        return sign * magnitude;
    }

    /** Float to IEEE half bits, round to nearest even (the JDK's conversion). */
    public static short toF16(float v) {
        return Float.floatToFloat16(v);
    }

    /** Float to bfloat16 bits: round to nearest even on the dropped 16 bits; NaN becomes the quiet NaN 0x7FC0 as in PyTorch. */
    public static short toBF16(float v) {
        if (Float.isNaN(v)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(v);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /**
     * Encodes an FP32 tensor as {@code dtype}: F32, F16, BF16, or I8/U8 for tensors whose values
     * are already whole numbers in range (a quantizer's output), which are stored unchanged.
     *
     * @throws IllegalArgumentException for another dtype, or an I8/U8 value that is not a whole number in range
     */
    public static RawTensor encode(Tensor tensor, DType dtype) {
        float[] v = tensor.data();
        int[] intShape = tensor.shape();
        long[] shape = new long[intShape.length];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = intShape[i];
        }
        byte[] out = new byte[Math.toIntExact(dtype.byteSize(v.length))];
        MemorySegment dst = MemorySegment.ofArray(out);
        switch (dtype) {
            case F32 -> MemorySegment.copy(v, 0, dst, F32_LE, 0, v.length);
            case F16 -> {
                for (int i = 0; i < v.length; i++) {
                    dst.set(I16_LE, 2L * i, toF16(v[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < v.length; i++) {
                    dst.set(I16_LE, 2L * i, toBF16(v[i]));
                }
            }
            case I8, U8 -> {
                int lo = dtype == DType.I8 ? -128 : 0;
                int hi = dtype == DType.I8 ? 127 : 255;
                for (int i = 0; i < v.length; i++) {
                    if (!(v[i] >= lo && v[i] <= hi) || v[i] != Math.rint(v[i])) {
                        throw new IllegalArgumentException("value " + v[i] + " at flat index " + i
                                + " is not a whole number in [" + lo + ", " + hi + "], so it cannot be stored as " + dtype);
                    }
                    out[i] = (byte) (int) v[i];
                }
            }
            default -> throw new IllegalArgumentException("cannot encode FP32 tensors as " + dtype
                    + "; pass a RawTensor with the packed bytes instead");
        }
        return new RawTensor(dtype, shape, out);
    }
}
