package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.distillery.tensor.Tensor;
import dev.distillery.testing.ParserContract;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random corruptions of a small valid file: each must either load (and then every tensor must
 * read without error) or fail with {@link CheckpointFormatException}, never another exception,
 * an OutOfMemoryError or a hang. {@link #safetensors} asks the same of the inputs Jazzer generates
 * (coverage-guided, seeded from {@code SafetensorsFuzzTestInputs/safetensors}); the seeded
 * corruptions below run in the ordinary suite as well.
 */
class SafetensorsFuzzTest {
    private static final int CASES = 3000;

    @TempDir
    Path tmp;

    @FuzzTest
    void safetensors(byte[] bytes) {
        Path file = ParserContract.file("model.safetensors", bytes);
        ParserContract.check(CheckpointFormatException.class, file, () -> readEverything(file));
    }

    private static void readEverything(Path file) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            f.metadata();
            for (TensorInfo t : f.tensors()) {
                f.raw(t.name());
                if (t.dtype().decodesToFloat() && t.elementCount() < 1_000_000) {
                    f.toTensor(t.name());
                }
            }
        }
    }

    private byte[] validFile() throws IOException {
        Map<String, RawTensor> tensors = new LinkedHashMap<>();
        tensors.put("w", TensorCodec.encode(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), DType.F32));
        tensors.put("h", TensorCodec.encode(Tensor.of(new float[] {1, -2}, 2), DType.BF16));
        tensors.put("q", TensorCodec.encode(Tensor.of(new float[] {-3, 4, 5}, 3), DType.I8));
        tensors.put("f", TensorCodec.encode(Tensor.of(new float[] {0.5f}), DType.F16));
        Path p = tmp.resolve("valid.safetensors");
        SafetensorsWriter.write(p, tensors, Map.of("format", "pt"));
        return Files.readAllBytes(p);
    }

    // A guard against hangs, not a performance assertion: 3000 tiny files take well under a second each batch.
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void corruptedFilesLoadOrFailCleanly() throws IOException {
        byte[] valid = validFile();
        Random random = new Random(20261122);
        Path p = tmp.resolve("fuzz.safetensors");
        int loaded = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] bytes = corrupt(valid, random);
            Files.write(p, bytes);
            try {
                readEverything(p);
                loaded++;
            } catch (CheckpointFormatException expected) {
                assertTrue(expected.getMessage().contains(p.toString()), expected.getMessage());
            } catch (RuntimeException | IOException | Error e) {
                fail("case " + c + " threw " + e + " for bytes " + Arrays.toString(bytes), e);
            }
        }
        // Both outcomes must occur, or the corruptions are too mild or too wild to test anything.
        assertTrue(loaded > 0 && loaded < CASES, "loaded " + loaded + " of " + CASES);
    }

    private static byte[] corrupt(byte[] valid, Random r) {
        byte[] b = valid.clone();
        switch (r.nextInt(6)) {
            case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> {
                for (int i = 0, n = 1 + r.nextInt(8); i < n; i++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
            }
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 3 -> {
                // A digit in the header replaced by another digit: offsets and shapes stay syntactically valid.
                int headerEnd = 8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong();
                int i = 8 + r.nextInt(headerEnd - 8);
                if (b[i] >= '0' && b[i] <= '9') {
                    b[i] = (byte) ('0' + r.nextInt(10));
                }
            }
            case 4 -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, r.nextLong());
            default -> {
                byte[] longer = Arrays.copyOf(b, b.length + 1 + r.nextInt(16));
                b = longer;
            }
        }
        return b;
    }
}
