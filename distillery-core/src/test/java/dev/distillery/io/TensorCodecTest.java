package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class TensorCodecTest {
    private static float[] decode(DType d, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return TensorCodec.toFloats(d, MemorySegment.ofArray(b), (int) (b.length * 8L / d.bits()));
    }

    /** Values from the OCP 8-bit floating point specification's tables (E4M3 and E5M2). */
    @Test
    void decodesFp8AsTheOcpSpecDefinesIt() {
        assertArrayEquals(new float[] {1f, 448f, -448f, 0x1p-9f, 0x1p-6f, -0f, 1.125f},
                decode(DType.F8_E4M3, 0x38, 0x7E, 0xFE, 0x01, 0x08, 0x80, 0x39));
        assertTrue(Float.isNaN(decode(DType.F8_E4M3, 0x7F)[0]));
        assertArrayEquals(new float[] {1f, 57344f, 0x1p-16f, Float.POSITIVE_INFINITY, 1.25f},
                decode(DType.F8_E5M2, 0x3C, 0x7B, 0x01, 0x7C, 0x3D));
        assertArrayEquals(new float[] {1f, 0x1p-127f, 0x1p127f}, decode(DType.F8_E8M0, 127, 0, 254));
        assertTrue(Float.isNaN(decode(DType.F8_E8M0, 0xFF)[0]));
    }

    @Test
    void decodesIntegersSignedAndUnsignedLittleEndian() {
        assertArrayEquals(new float[] {-1f, 65535f}, new float[] {decode(DType.I16, 0xFF, 0xFF)[0], decode(DType.U16, 0xFF, 0xFF)[0]});
        assertArrayEquals(new float[] {4294967295f}, decode(DType.U32, 0xFF, 0xFF, 0xFF, 0xFF));
        assertArrayEquals(new float[] {0x1p64f}, decode(DType.U64, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF));
        assertArrayEquals(new float[] {258f}, decode(DType.I32, 2, 1, 0, 0));
        assertArrayEquals(new float[] {1f, 0f}, decode(DType.BOOL, 5, 0));
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa, 1.
        assertEquals(0x3F80, TensorCodec.toBF16(1f + 0x1p-8f));
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        assertEquals(0x3F82, TensorCodec.toBF16(1f + 3 * 0x1p-8f));
        assertEquals(0x3F81, TensorCodec.toBF16(1f + 0x1p-8f + 0x1p-20f));
        assertEquals((short) 0x7F80, TensorCodec.toBF16(Float.MAX_VALUE)); // rounds up to infinity, as torch does
        assertEquals(0x7FC0, TensorCodec.toBF16(Float.NaN));
    }

    @Test
    void int8EncodingKeepsWholeNumbersAndRejectsTheRest() {
        RawTensor r = TensorCodec.encode(Tensor.of(new float[] {-128, 0, 127}, 3), DType.I8);
        assertArrayEquals(new byte[] {-128, 0, 127}, r.data());
        RawTensor u = TensorCodec.encode(Tensor.of(new float[] {0, 255}, 2), DType.U8);
        assertArrayEquals(new byte[] {0, (byte) 255}, u.data());
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encode(Tensor.of(new float[] {128}, 1), DType.I8));
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encode(Tensor.of(new float[] {0.5f}, 1), DType.U8));
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encode(Tensor.of(new float[] {Float.NaN}, 1), DType.I8));
        assertThrows(IllegalArgumentException.class, () -> TensorCodec.encode(Tensor.of(new float[] {1}, 1), DType.F64));
    }

    @Test
    void rawTensorChecksItsSize() {
        assertThrows(IllegalArgumentException.class, () -> new RawTensor(DType.F32, new long[] {2}, new byte[7]));
        assertThrows(IllegalArgumentException.class, () -> new RawTensor(DType.F4, new long[] {3}, new byte[2]));
        assertEquals(2, new RawTensor(DType.F4, new long[] {4}, new byte[2]).data().length);
    }
}
