package dev.distillery.io;

import java.util.Arrays;

/**
 * A tensor as stored: a dtype, a shape and its little-endian bytes, undecoded. This is what the
 * safetensors writer takes, so packed quantized data goes through unchanged.
 *
 * @param shape dimensions, row-major; empty for a scalar
 * @param data  {@code dtype.byteSize(product of shape)} bytes, little-endian
 */
public record RawTensor(DType dtype, long[] shape, byte[] data) {
    public RawTensor {
        shape = shape.clone();
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, d);
        }
        long expected = dtype.byteSize(elements);
        if (expected != data.length) {
            throw new IllegalArgumentException(dtype + " tensor of shape " + Arrays.toString(shape) + " needs "
                    + (expected < 0 ? "a whole number of" : String.valueOf(expected)) + " bytes but has " + data.length);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawTensor r && dtype == r.dtype && Arrays.equals(shape, r.shape) && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return (dtype.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "RawTensor[" + dtype + Arrays.toString(shape) + ", " + data.length + " bytes]";
    }
}
