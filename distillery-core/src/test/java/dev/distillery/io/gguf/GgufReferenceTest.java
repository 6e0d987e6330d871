package dev.distillery.io.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.quant.Q4_0Tensor;
import dev.distillery.quant.Q8_0Tensor;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reader against a file written from ggml's docs/gguf.md by an independent implementation
 * (scripts/fixtures/make_gguf_reference.py, Python's struct): every metadata type, every tensor's
 * bytes and values, and the writer giving back the very same bytes. If this fails after the
 * fixture changed, regenerate it with the command in that script's header.
 */
class GgufReferenceTest {
    private static byte[] file;
    private static JsonNode expected;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = GgufReferenceTest.class.getClassLoader().getResourceAsStream("io/reference.gguf");
             InputStream json = GgufReferenceTest.class.getClassLoader().getResourceAsStream("io/reference.gguf.json")) {
            assertTrue(in != null && json != null, "io/reference.gguf and its .json must be on the test classpath");
            file = in.readAllBytes();
            expected = new ObjectMapper().readTree(json);
        }
    }

    /** The value the fixture describes, built with the public factories. */
    static GgufValue value(String type, String element, JsonNode v) {
        GgufType t = GgufType.valueOf(type);
        if (t != GgufType.ARRAY) {
            return scalar(t, v);
        }
        GgufType e = GgufType.valueOf(element);
        int n = v.size();
        Object array = switch (e) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (byte) v.get(i).asInt();
                }
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (short) v.get(i).asInt();
                }
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (int) v.get(i).asLong();
                }
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = v.get(i).bigIntegerValue().longValue();
                }
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (float) v.get(i).asDouble();
                }
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = v.get(i).asDouble();
                }
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = v.get(i).asBoolean();
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = v.get(i).textValue();
                }
                yield a;
            }
            case ARRAY -> {
                // The fixture nests arrays of strings only.
                GgufValue[] a = new GgufValue[n];
                for (int i = 0; i < n; i++) {
                    a[i] = value("ARRAY", "STRING", v.get(i));
                }
                yield a;
            }
        };
        return GgufValue.array(e, array);
    }

    private static GgufValue scalar(GgufType t, JsonNode v) {
        return switch (t) {
            case UINT8 -> GgufValue.uint8(v.asInt());
            case INT8 -> GgufValue.int8(v.asInt());
            case UINT16 -> GgufValue.uint16(v.asInt());
            case INT16 -> GgufValue.int16(v.asInt());
            case UINT32 -> GgufValue.uint32(v.asLong());
            case INT32 -> GgufValue.int32(v.asInt());
            case UINT64 -> GgufValue.uint64(v.bigIntegerValue().longValue());
            case INT64 -> GgufValue.int64(v.asLong());
            case FLOAT32 -> GgufValue.float32((float) v.asDouble());
            case FLOAT64 -> GgufValue.float64(v.asDouble());
            case BOOL -> GgufValue.bool(v.asBoolean());
            case STRING -> GgufValue.string(v.textValue());
            case ARRAY -> throw new IllegalArgumentException("not a scalar");
        };
    }

    @Test
    void metadataOfEveryTypeReadsAsWritten() throws IOException {
        try (GgufFile f = GgufFile.read(file, "reference.gguf")) {
            assertEquals(3, f.version());
            assertEquals(64, f.alignment());
            List<String> keys = new ArrayList<>();
            for (JsonNode m : expected.get("metadata")) {
                String key = m.get("key").textValue();
                keys.add(key);
                GgufValue want = value(m.get("type").textValue(), m.get("element").isNull() ? null
                        : m.get("element").textValue(), m.get("value"));
                assertEquals(want, f.get(key), key);
            }
            assertEquals(keys, List.copyOf(f.metadata().keySet()), "metadata keep the file's order");
            assertEquals(4_000_000_000L, f.integer("test.uint32"));
            assertEquals(250, f.integer("test.uint8"));
            assertEquals("référence ✓ 模型", f.string("general.name"));
            assertEquals(List.of("<unk>", "", "Ġthe", "▁world"), f.get("test.array.string").asStrings());
            assertArrayEquals(new int[] {0, 7, 255}, f.get("test.array.uint8").asInts());
            assertEquals(-1.0 / 3.0, f.number("test.float64"));
        }
    }

    @Test
    void tensorsReadAsWrittenAndDecode() throws IOException {
        HexFormat hex = HexFormat.of();
        try (GgufFile f = GgufFile.read(file, "reference.gguf")) {
            assertEquals(expected.get("tensors").size(), f.tensors().size());
            for (JsonNode t : expected.get("tensors")) {
                String name = t.get("name").textValue();
                GgufTensor read = f.tensor(name);
                assertEquals(GgmlType.valueOf(t.get("type").textValue()), read.type(), name);
                long[] shape = new long[t.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.get("shape").get(i).asLong();
                }
                assertArrayEquals(shape, read.shape(), name);
                assertArrayEquals(hex.parseHex(t.get("hex").textValue()), read.data(), name);
                assertEquals(0, f.info(name).offset() % 64, name + " starts aligned");
            }
            for (Map.Entry<String, JsonNode> v : expected.get("values").properties()) {
                Tensor decoded = f.toTensor(v.getKey());
                float[] want = floats(v.getValue());
                assertArrayEquals(want, decoded.data(), v.getKey() + ": F32, F16 and BF16 decode exactly");
            }
            float[] q8src = floats(expected.get("quantized_from").get("blk.0.attn_q.weight"));
            assertArrayEquals(Q8_0Tensor.quantize(q8src, 2, 64).blocks(), f.q8_0("blk.0.attn_q.weight").blocks());
            float[] q4src = floats(expected.get("quantized_from").get("blk.0.attn_k.weight"));
            assertArrayEquals(Q4_0Tensor.quantize(q4src, 3, 32).blocks(), f.q4_0("blk.0.attn_k.weight").blocks());
            assertEquals(2, f.q8_0("blk.0.attn_q.weight").rows());
            assertEquals(32, f.q4_0("blk.0.attn_k.weight").cols());
        }
    }

    @Test
    void writingWhatWasReadGivesTheSameBytes() throws IOException {
        try (GgufFile f = GgufFile.read(file, "reference.gguf")) {
            List<GgufTensor> tensors = new ArrayList<>();
            for (GgufTensorInfo t : f.tensors()) {
                tensors.add(f.tensor(t.name()));
            }
            byte[] written = GgufWriter.toBytes(new LinkedHashMap<>(f.metadata()), tensors);
            assertArrayEquals(file, written);
        }
    }

    private static float[] floats(JsonNode list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Double.parseDouble(list.get(i).textValue());
        }
        return out;
    }
}
