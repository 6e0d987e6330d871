package dev.distillery.io.gguf;

import dev.distillery.io.DType;
import dev.distillery.io.TensorCodec;
import dev.distillery.quant.Q4_0Tensor;
import dev.distillery.quant.Q8_0Tensor;
import dev.distillery.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor as a GGUF file stores it: its ggml type, its shape and its bytes, undecoded. The shape
 * is row-major as in PyTorch and safetensors ({@code [out, in]} for a weight); the file's
 * dimensions are the reverse ({@code ne0 = in} innermost), and {@link #dims()} gives them.
 *
 * @param shape row-major dimensions; the last must be a whole number of blocks of {@code type}
 * @param data {@code type.byteSize(last dimension, product of the others)} bytes
 */
public record GgufTensor(String name, GgmlType type, long[] shape, byte[] data) {
    public GgufTensor {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        shape = shape.clone();
        if (shape.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + shape.length + " dimensions; GGUF allows "
                    + GgufFile.MAX_DIMS);
        }
        long expected = byteSize(type, shape);
        if (expected != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " and shape " + Arrays.toString(shape)
                    + " needs " + (expected < 0 ? "whole blocks of " + type.blockSize() + " values in its last dimension"
                    : expected + " bytes") + " but has " + data.length);
        }
    }

    /** Bytes of a tensor of {@code type} and row-major {@code shape}, or -1 when the shape does not fit the type. */
    static long byteSize(GgmlType type, long[] shape) {
        long ne0 = shape.length == 0 ? 1 : shape[shape.length - 1];
        long rows = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            if (shape[i] < 0) {
                return -1;
            }
            try {
                rows = Math.multiplyExact(rows, shape[i]);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return type.byteSize(ne0, rows);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The dimensions as GGUF stores them, innermost first. */
    public long[] dims() {
        long[] d = new long[shape.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = shape[shape.length - 1 - i];
        }
        return d;
    }

    /** An FP32 tensor stored as F32, F16 or BF16 (rounded to nearest even, as PyTorch rounds). */
    public static GgufTensor of(String name, Tensor t, GgmlType type) {
        DType dtype = switch (type) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            default -> throw new IllegalArgumentException(type + " is not a float type; quantize with Q8_0Tensor or "
                    + "Q4_0Tensor and use of(name, tensor)");
        };
        int[] s = t.shape();
        long[] shape = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            shape[i] = s[i];
        }
        return new GgufTensor(name, type, shape, TensorCodec.encode(t, dtype).data());
    }

    /** A Q8_0 matrix [rows, cols]: its blocks are GGUF's Q8_0 bytes as they are. */
    public static GgufTensor of(String name, Q8_0Tensor q) {
        return new GgufTensor(name, GgmlType.Q8_0, new long[] {q.rows(), q.cols()}, q.blocks().clone());
    }

    /** A Q4_0 matrix [rows, cols]: its blocks are GGUF's Q4_0 bytes as they are. */
    public static GgufTensor of(String name, Q4_0Tensor q) {
        return new GgufTensor(name, GgmlType.Q4_0, new long[] {q.rows(), q.cols()}, q.blocks().clone());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(shape);
    }
}
