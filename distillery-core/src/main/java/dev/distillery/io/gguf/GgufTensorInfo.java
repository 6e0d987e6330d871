package dev.distillery.io.gguf;

import java.util.Arrays;

/**
 * One tensor info of a GGUF file: where its bytes lie in the data section and how to read them.
 *
 * @param dims dimensions as the file stores them, innermost ({@code ne0}) first
 * @param offset start of the bytes, relative to the data section
 * @param byteSize length of the bytes
 */
public record GgufTensorInfo(String name, GgmlType type, long[] dims, long offset, long byteSize) {
    public GgufTensorInfo {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** Row-major dimensions, as PyTorch and safetensors give them: the reverse of {@link #dims()}. */
    public long[] shape() {
        long[] s = new long[dims.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = dims[dims.length - 1 - i];
        }
        return s;
    }

    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** The innermost dimension, along which quantization blocks run (a weight's input features). */
    public long ne0() {
        return dims.length == 0 ? 1 : dims[0];
    }

    /** Number of rows of {@link #ne0()} values: the product of the other dimensions. */
    public long rows() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(dims, t.dims)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(shape()) + " @" + offset;
    }
}
