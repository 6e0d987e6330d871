package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path tmp;

    private static byte[] f32(float... v) {
        return TensorCodec.encode(Tensor.of(v, v.length), DType.F32).data();
    }

    /** The serialization example of the safetensors specification's reference implementation. */
    @Test
    void matchesTheReferenceImplementationExample() throws IOException {
        Path p = tmp.resolve("a.safetensors");
        SafetensorsWriter.write(p, Map.of("attn.0", new RawTensor(DType.F32, new long[] {1, 2, 3}, f32(0, 1, 2, 3, 4, 5))), null);
        byte[] bytes = Files.readAllBytes(p);
        String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        int padded = (header.length() + 7) / 8 * 8;
        assertEquals(padded, bytes[0], "header length");
        assertEquals(header + " ".repeat(padded - header.length()), new String(bytes, 8, padded, StandardCharsets.UTF_8));
        assertArrayEquals(f32(0, 1, 2, 3, 4, 5), Arrays.copyOfRange(bytes, 8 + padded, bytes.length));
    }

    @Test
    void writesEmptyFilesWithAndWithoutMetadataAsTheReferenceDoes() throws IOException {
        Path p = tmp.resolve("e.safetensors");
        SafetensorsWriter.write(p, Map.of(), null);
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}, Files.readAllBytes(p));
        SafetensorsWriter.write(p, Map.of(), Map.of("framework", "pt"));
        String text = "{\"__metadata__\":{\"framework\":\"pt\"}}";
        byte[] bytes = Files.readAllBytes(p);
        assertEquals(40, bytes[0]);
        assertEquals(text + "     ", new String(bytes, 8, 40, StandardCharsets.UTF_8));
    }

    @Test
    void ordersByDescendingAlignmentThenName() {
        Map<String, RawTensor> t = new LinkedHashMap<>();
        t.put("b", new RawTensor(DType.I8, new long[] {1}, new byte[1]));
        t.put("a", new RawTensor(DType.I8, new long[] {1}, new byte[1]));
        t.put("z", new RawTensor(DType.F32, new long[] {1}, new byte[4]));
        t.put("y", new RawTensor(DType.BF16, new long[] {1}, new byte[2]));
        t.put("x", new RawTensor(DType.F16, new long[] {1}, new byte[2]));
        t.put("w", new RawTensor(DType.I64, new long[] {1}, new byte[8]));
        List<String> order = SafetensorsWriter.order(t).stream().map(Map.Entry::getKey).toList();
        assertEquals(List.of("w", "z", "y", "x", "a", "b"), order);
    }

    @Test
    void roundTripsEveryDtypeBitExactly() throws IOException {
        Random random = new Random(7);
        Map<String, RawTensor> tensors = new LinkedHashMap<>();
        for (DType d : DType.values()) {
            long[] shape = d.bits() < 8 ? new long[] {4, 2} : new long[] {3, 2};
            byte[] data = new byte[(int) d.byteSize(shape[0] * shape[1])];
            random.nextBytes(data);
            tensors.put("t." + d.name().toLowerCase(), new RawTensor(d, shape, data));
        }
        tensors.put("name \"quoted\" \\ ü\n", new RawTensor(DType.U8, new long[] {2}, new byte[] {1, 2}));
        Path p = tmp.resolve("all.safetensors");
        SafetensorsWriter.write(p, tensors, Map.of("format", "pt", "note", "x\ty"));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt", "note", "x\ty"), f.metadata());
            assertEquals(tensors.size(), f.tensors().size());
            for (var e : tensors.entrySet()) {
                assertEquals(e.getValue(), f.raw(e.getKey()), e.getKey());
            }
            // The header is padded so the data section starts 8-byte aligned.
            assertEquals(0, f.dataStart() % 8);
            for (TensorInfo t : f.tensors()) {
                assertEquals(0, t.begin() % Math.max(1, t.dtype().bits() / 8), t.name() + " aligned");
            }
        }
    }

    @Test
    void floatTensorsRoundTripThroughEachStorageType() throws IOException {
        float[] v = {0f, -0f, 1f, -2.5f, 65504f, 1e-3f, 3.14159f};
        Tensor t = Tensor.of(v, 7);
        for (DType d : List.of(DType.F32, DType.F16, DType.BF16)) {
            Path p = tmp.resolve(d + ".safetensors");
            SafetensorsWriter.writeFloats(p, Map.of("t", t), d, null);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                float[] got = f.toTensor("t").data();
                for (int i = 0; i < v.length; i++) {
                    float want = switch (d) {
                        case F16 -> Float.float16ToFloat(Float.floatToFloat16(v[i]));
                        case BF16 -> Float.intBitsToFloat((TensorCodec.toBF16(v[i]) & 0xFFFF) << 16);
                        default -> v[i];
                    };
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]), d + " value " + i);
                }
            }
        }
    }
}
