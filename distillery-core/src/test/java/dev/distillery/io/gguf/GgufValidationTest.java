package dev.distillery.io.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.distillery.io.CheckpointFormatException;
import dev.distillery.quant.Q4_0Tensor;
import dev.distillery.quant.Q8_0Tensor;
import dev.distillery.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round trips of every supported tensor type through the writer and reader, and bad files: each
 * malformed header fails with one {@link CheckpointFormatException} naming the file and the fault,
 * and random corruptions of a valid file either load completely or fail that way, never with
 * another exception, an OutOfMemoryError or a hang.
 */
class GgufValidationTest {
    @TempDir
    Path tmp;

    /** A little-endian byte builder for hand-made headers. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u32(long v) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        Bytes u64(long v) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).raw(b);
        }

        Bytes raw(byte... b) {
            out.writeBytes(b);
            return this;
        }

        Bytes header(long tensors, long kvs) {
            return raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(tensors).u64(kvs);
        }

        Bytes pad(int alignment) {
            while (out.size() % alignment != 0) {
                out.write(0);
            }
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static List<GgufTensor> everySupportedType() {
        Random r = new Random(7);
        float[] w = new float[4 * 64];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        Tensor t = Tensor.of(w, 4, 64);
        return List.of(GgufTensor.of("f32", t, GgmlType.F32), GgufTensor.of("f16", t, GgmlType.F16),
                GgufTensor.of("bf16", t, GgmlType.BF16), GgufTensor.of("q8_0", Q8_0Tensor.quantize(w, 4, 64)),
                GgufTensor.of("q4_0", Q4_0Tensor.quantize(w, 4, 64)),
                GgufTensor.of("vector", Tensor.of(Arrays.copyOf(w, 5), 5), GgmlType.F32),
                new GgufTensor("q6_k.raw", GgmlType.Q6_K, new long[] {2, 256}, bytes(r, 2 * 210)),
                new GgufTensor("empty", GgmlType.F32, new long[] {0, 3}, new byte[0]));
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static Map<String, GgufValue> someMetadata() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("general.architecture", GgufValue.string("llama"));
        m.put("llama.block_count", GgufValue.uint32(2));
        m.put("llama.rope.freq_base", GgufValue.float32(10000f));
        m.put("tokenizer.ggml.tokens", GgufValue.strings(List.of("a", "b", "ab")));
        m.put("tokenizer.ggml.scores", GgufValue.float32s(new float[] {0f, -1f, -2f}));
        return m;
    }

    @Test
    void everySupportedTypeRoundTripsBitForBit() throws IOException {
        for (Integer alignment : Arrays.asList(null, 8, 256)) {
            Map<String, GgufValue> metadata = someMetadata();
            if (alignment != null) {
                metadata.put(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(alignment));
            }
            Path p = tmp.resolve("all-" + alignment + ".gguf");
            List<GgufTensor> tensors = everySupportedType();
            GgufWriter.write(p, metadata, tensors);
            try (GgufFile f = GgufFile.open(p)) {
                assertEquals(alignment == null ? 32 : alignment, f.alignment());
                assertEquals(metadata, f.metadata());
                assertEquals(0, f.dataStart() % f.alignment());
                for (GgufTensor t : tensors) {
                    assertEquals(t, f.tensor(t.name()), t.name());
                    assertEquals(0, f.info(t.name()).offset() % f.alignment());
                }
                float[] source = tensors.getFirst().data().length > 0 ? f.toTensor("f32").data() : null;
                assertArrayEquals(Arrays.copyOf(source, 5), f.toTensor("vector").data());
                assertArrayEquals(tensors.get(3).data(), f.q8_0("q8_0").blocks());
                assertArrayEquals(tensors.get(4).data(), f.q4_0("q4_0").blocks());
                assertArrayEquals(new long[] {4, 64}, f.info("bf16").shape());
                assertArrayEquals(new long[] {64, 4}, f.info("bf16").dims());
                CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> f.toTensor("q8_0"));
                assertTrue(e.getMessage().contains("Q8_0"), e.getMessage());
            }
            assertArrayEquals(Files.readAllBytes(p), GgufWriter.toBytes(metadata, tensors));
        }
    }

    @Test
    void theWriterRefusesWhatGgufCannotHold() {
        Map<String, GgufValue> badAlignment = Map.of(GgufFile.ALIGNMENT_KEY, GgufValue.uint32(24));
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.toBytes(badAlignment, List.of()));
        GgufTensor t = new GgufTensor("x", GgmlType.F32, new long[] {1}, new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.toBytes(Map.of(), List.of(t, t)));
        assertThrows(IllegalArgumentException.class, () -> new GgufTensor("q", GgmlType.Q8_0, new long[] {2, 30}, new byte[68]));
        GgufTensor longName = new GgufTensor("n".repeat(65), GgmlType.F32, new long[] {1}, new byte[4]);
        assertThrows(IllegalArgumentException.class, () -> GgufWriter.toBytes(Map.of(), List.of(longName)));
    }

    @Test
    void malformedFilesFailWithOneClearError() {
        record Case(String expected, byte[] bytes) {
        }
        byte[] tensorInfoTail = new Bytes().u32(0).u64(0).bytes(); // F32 type, offset 0
        List<Case> cases = List.of(
                new Case("too short", new byte[10]),
                new Case("GGUF magic", new Bytes().raw("GGML".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(0).u64(0).bytes()),
                new Case("version 1", new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(1).u64(0).u64(0).bytes()),
                new Case("big-endian", new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(0x03000000).u64(0).u64(0)
                        .bytes()),
                new Case("metadata entries", new Bytes().header(0, 1L << 40).bytes()),
                new Case("tensors but only", new Bytes().header(1L << 40, 0).bytes()),
                new Case("metadata key 0 of 1048576 bytes", new Bytes().header(0, 1).u64(1L << 20).raw(new byte[16]).bytes()),
                new Case("ends inside metadata key 0", new Bytes().header(0, 1).u64(60).raw(new byte[16]).bytes()),
                new Case("unknown value type 13", new Bytes().header(0, 1).str("a.b").u32(13).u32(0).bytes()),
                new Case("bool of value 2", new Bytes().header(0, 1).str("a.b").u32(7).raw((byte) 2).bytes()),
                new Case("twice", new Bytes().header(0, 2).str("a.b").u32(5).u32(1).str("a.b").u32(5).u32(2).bytes()),
                new Case("not valid UTF-8", new Bytes().header(0, 1).u64(2).raw((byte) 0xC3, (byte) 0x28).u32(5).u32(1).bytes()),
                new Case("declaring", new Bytes().header(0, 1).str("a.b").u32(9).u32(5).u64(1L << 40).bytes()),
                new Case("nested more than", nested(GgufFile.MAX_ARRAY_DEPTH + 1)),
                new Case("must be a uint32", new Bytes().header(0, 1).str(GgufFile.ALIGNMENT_KEY).u32(5).u32(32).bytes()),
                new Case("power of two", new Bytes().header(0, 1).str(GgufFile.ALIGNMENT_KEY).u32(4).u32(24).bytes()),
                new Case("5 dimensions", new Bytes().header(1, 0).str("t").u32(5).u64(1).u64(1).u64(1).u64(1).u64(1)
                        .raw(tensorInfoTail).bytes()),
                new Case("unknown ggml type 4", new Bytes().header(1, 0).str("t").u32(1).u64(32).u32(4).u64(0).bytes()),
                new Case("whole number of its 32-value blocks", new Bytes().header(1, 0).str("t").u32(1).u64(30).u32(8)
                        .u64(0).bytes()),
                new Case("not a multiple of the alignment", new Bytes().header(1, 0).str("t").u32(1).u64(1).u32(0).u64(4)
                        .pad(32).raw(new byte[64]).bytes()),
                new Case("truncated", new Bytes().header(1, 0).str("t").u32(1).u64(100).u32(0).u64(0).pad(32).raw(new byte[8])
                        .bytes()),
                new Case("overlapping", new Bytes().header(2, 0).str("a").u32(1).u64(16).u32(0).u64(0).str("b").u32(1).u64(4)
                        .u32(0).u64(32).pad(32).raw(new byte[96]).bytes()),
                new Case("two tensors named 'a'", new Bytes().header(2, 0).str("a").u32(1).u64(1).u32(0).u64(0).str("a").u32(1)
                        .u64(1).u32(0).u64(32).pad(32).raw(new byte[64]).bytes()),
                new Case("more than the 64 allowed", new Bytes().header(1, 0).str("n".repeat(65)).u32(1).u64(1).u32(0).u64(0)
                        .bytes()),
                new Case("overflow 64 bits", new Bytes().header(1, 0).str("t").u32(2).u64(1L << 40).u64(1L << 40).u32(0)
                        .u64(0).bytes()));
        for (Case c : cases) {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> GgufFile.read(c.bytes(), "bad.gguf"), c.expected());
            assertTrue(e.getMessage().startsWith("bad.gguf") && e.getMessage().contains(c.expected()),
                    c.expected() + " -> " + e.getMessage());
        }
    }

    private static byte[] nested(int depth) {
        Bytes b = new Bytes().header(0, 1).str("a.b").u32(9);
        for (int i = 0; i < depth; i++) {
            b.u32(9).u64(1);
        }
        return b.u32(5).u64(0).bytes();
    }

    // A guard against hangs, not a performance assertion: each tiny file parses in microseconds.
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void corruptedFilesLoadOrFailCleanly() throws IOException {
        Map<String, GgufValue> metadata = someMetadata();
        metadata.put("nested", GgufValue.array(GgufType.ARRAY, new GgufValue[] {GgufValue.int32s(new int[] {1, 2})}));
        byte[] valid = GgufWriter.toBytes(metadata, everySupportedType());
        Random random = new Random(20261207);
        int loaded = 0;
        int cases = 4000;
        for (int c = 0; c < cases; c++) {
            byte[] bytes = corrupt(valid, random);
            try (GgufFile f = GgufFile.read(bytes, "fuzz.gguf")) {
                for (GgufTensorInfo t : f.tensors()) {
                    f.tensor(t.name());
                    if (t.type() == GgmlType.F32 || t.type() == GgmlType.F16 || t.type() == GgmlType.BF16) {
                        f.toTensor(t.name());
                    } else if (t.type() == GgmlType.Q8_0 && t.elementCount() > 0) {
                        f.q8_0(t.name());
                    } else if (t.type() == GgmlType.Q4_0 && t.elementCount() > 0) {
                        f.q4_0(t.name());
                    }
                }
                loaded++;
            } catch (CheckpointFormatException expected) {
                assertTrue(expected.getMessage().startsWith("fuzz.gguf"), expected.getMessage());
            } catch (RuntimeException | Error e) {
                fail("case " + c + " threw " + e + " for bytes " + Arrays.toString(bytes), e);
            }
        }
        // Both outcomes must occur, or the corruptions are too mild or too wild to test anything.
        assertTrue(loaded > 0 && loaded < cases, "loaded " + loaded + " of " + cases);
    }

    private static byte[] corrupt(byte[] valid, Random r) {
        byte[] b = valid.clone();
        int headerEnd = Math.min(b.length, 600); // metadata and tensor infos live in the first few hundred bytes
        switch (r.nextInt(6)) {
            case 0 -> b[r.nextInt(headerEnd)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> {
                for (int i = 0, n = 1 + r.nextInt(6); i < n; i++) {
                    b[r.nextInt(headerEnd)] = (byte) r.nextInt(256);
                }
            }
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            case 3 -> {
                // A length, count or offset field overwritten with a large or small number.
                int at = 8 + r.nextInt(Math.max(1, headerEnd - 16));
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, r.nextBoolean() ? r.nextLong()
                        : r.nextInt(1 << 12));
            }
            case 4 -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8 + 4 * r.nextInt(4), r.nextInt());
            default -> b = Arrays.copyOf(b, b.length + 1 + r.nextInt(64));
        }
        return b;
    }
}
