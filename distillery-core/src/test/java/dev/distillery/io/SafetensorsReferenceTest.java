package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the reader and writer against a file written by an independent Python implementation
 * of the format (scripts/fixtures/make_safetensors_reference.py, torch 1.13): every value read
 * exactly, the same bytes written back, and F16/BF16 rounding identical to torch's.
 */
class SafetensorsReferenceTest {
    private static final String REGENERATE = " (fixture from scripts/fixtures/make_safetensors_reference.py v1; "
            + "regenerate with /usr/bin/python3 scripts/fixtures/make_safetensors_reference.py)";

    @TempDir
    Path tmp;

    private Path fixture() throws IOException {
        Path p = tmp.resolve("reference.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/io/reference.safetensors")) {
            Files.copy(in, p);
        }
        return p;
    }

    private static JsonNode expected() throws IOException {
        try (InputStream in = SafetensorsReferenceTest.class.getResourceAsStream("/io/reference.expected.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static float parse(JsonNode v) {
        if (v.isTextual()) {
            return switch (v.textValue()) {
                case "inf" -> Float.POSITIVE_INFINITY;
                case "-inf" -> Float.NEGATIVE_INFINITY;
                case "nan" -> Float.NaN;
                // Parsed as double then narrowed: the same rounding the reader applies to F64.
                default -> (float) Double.parseDouble(v.textValue());
            };
        }
        return new BigDecimal(v.bigIntegerValue()).floatValue();
    }

    @Test
    void readsEveryTensorExactly() throws IOException {
        JsonNode expected = expected();
        try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
            assertEquals("pt", f.metadata().get("format"));
            JsonNode tensors = expected.get("tensors");
            assertEquals(tensors.size(), f.tensors().size(), "tensor count" + REGENERATE);
            for (var e : tensors.properties()) {
                String name = e.getKey();
                long[] shape = new long[e.getValue().get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = e.getValue().get("shape").get(i).longValue();
                }
                assertArrayEquals(shape, f.info(name).shape(), name + " shape" + REGENERATE);
                JsonNode values = e.getValue().get("values");
                float[] want = new float[values.size()];
                for (int i = 0; i < want.length; i++) {
                    want[i] = parse(values.get(i));
                }
                Tensor got = f.toTensor(name);
                // Bit-exact: every value here is representable in FP32 or rounded the same way on both sides.
                for (int i = 0; i < want.length; i++) {
                    assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got.data()[i]),
                            name + "[" + i + "]: expected " + want[i] + ", got " + got.data()[i] + REGENERATE);
                }
            }
        }
    }

    @Test
    void writerReproducesTheFileByteForByte() throws IOException {
        Path source = fixture();
        Map<String, RawTensor> raw = new LinkedHashMap<>();
        Map<String, String> metadata;
        try (SafetensorsFile f = SafetensorsFile.open(source)) {
            // Insert in reverse offset order so that the writer's own sort is what puts them back.
            var infos = f.tensors();
            for (int i = infos.size() - 1; i >= 0; i--) {
                raw.put(infos.get(i).name(), f.raw(infos.get(i).name()));
            }
            metadata = f.metadata();
        }
        Path written = tmp.resolve("rewritten.safetensors");
        SafetensorsWriter.write(written, raw, metadata);
        byte[] want = Files.readAllBytes(source);
        byte[] got = Files.readAllBytes(written);
        assertEquals(-1, Arrays.mismatch(want, got), "first differing byte" + REGENERATE);
    }

    @Test
    void halfAndBfloat16RoundingMatchesTorch() throws IOException {
        JsonNode roundedFrom = expected().get("rounded_from");
        try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
            for (var e : roundedFrom.properties()) {
                RawTensor torchRounded = f.raw(e.getKey());
                Tensor source = f.toTensor(e.getValue().textValue());
                RawTensor ours = TensorCodec.encode(source, torchRounded.dtype());
                assertTrue(Arrays.equals(torchRounded.data(), ours.data()),
                        e.getKey() + ": Java rounding differs from torch at byte "
                                + Arrays.mismatch(torchRounded.data(), ours.data()) + REGENERATE);
            }
        }
    }
}
