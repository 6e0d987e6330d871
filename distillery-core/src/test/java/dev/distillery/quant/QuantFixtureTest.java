package dev.distillery.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every format against {@code scripts/fixtures/make_quant_fixture.py}, an independent numpy
 * implementation of the same specs. Packed bytes, scales and dequantized values are compared bit
 * for bit: quantization is integer and float32 arithmetic with one defined result, so any
 * difference is a bug, not rounding noise. The cases include ties at every NF4 threshold and its
 * float neighbours, ggml halves, zero rows and blocks, negative largest values, an odd tail and
 * two nested blocks of double quantization.
 */
class QuantFixtureTest {
    private static final String FIXTURE = "/fixtures/quant-v1.json";
    private static JsonNode doc;
    private static List<Case> cases;

    record Case(String name, int rows, int cols, float[] values, JsonNode node) {
    }

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = QuantFixtureTest.class.getResourceAsStream(FIXTURE)) {
            assertTrue(in != null, FIXTURE + " is missing; regenerate it with /usr/bin/python3 scripts/fixtures/make_quant_fixture.py distillery-core/src/test/resources/fixtures");
            doc = new ObjectMapper().readTree(in);
        }
        assertEquals(1, doc.at("/header/script_version").asInt(), "fixture from another script version; regenerate it");
        cases = new ArrayList<>();
        for (JsonNode t : doc.get("tensors")) {
            cases.add(new Case(t.get("name").asText(), t.at("/shape/0").asInt(), t.at("/shape/1").asInt(),
                    floats(t.get("values")), t));
        }
        assertEquals(6, cases.size());
    }

    static byte[] bytes(JsonNode node) {
        return Base64.getDecoder().decode(node.asText());
    }

    static float[] floats(JsonNode node) {
        ByteBuffer b = ByteBuffer.wrap(bytes(node)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    static short[] shorts(JsonNode node) {
        ByteBuffer b = ByteBuffer.wrap(bytes(node)).order(ByteOrder.LITTLE_ENDIAN);
        short[] out = new short[b.remaining() / 2];
        b.asShortBuffer().get(out);
        return out;
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": index " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    @Test
    void tablesMatchBitsandbytes() {
        assertBits(floats(doc.get("nf4_table")), Nf4.table(), "NF4 table");
        assertBits(floats(doc.get("dynamic_map")), DynamicMap.values(), "dynamic map");
        // torch's vectorised linspace moves a few points by a float32 ulp, and the float32 mean and
        // scaling can double that (measured: 6e-8 at most, 2 ulps); the map is stored in every file,
        // so this only bounds how far ours is from a map built by torch.
        float[] torch = floats(doc.get("torch_dynamic_map"));
        float[] ours = DynamicMap.values();
        for (int i = 0; i < ours.length; i++) {
            assertTrue(Math.abs(ours[i] - torch[i]) <= 2 * Math.ulp(torch[i]), "map entry " + i + ": " + ours[i] + " vs " + torch[i]);
        }
    }

    @Test
    void int8AffineBitExact() {
        for (Case c : cases) {
            JsonNode n = c.node.get("int8");
            if (n == null) {
                continue;
            }
            Int8Tensor q = Int8Tensor.quantize(c.values, c.rows, c.cols);
            assertArrayEquals(bytes(n.get("codes")), q.codes(), c.name + " int8 codes");
            assertBits(floats(n.get("scale")), new float[] {q.scale()}, c.name + " int8 scale");
            assertEquals(n.get("zero_point").asInt(), q.zeroPoint(), c.name + " int8 zero point");
            assertBits(floats(n.get("dequantized")), q.dequantize(), c.name + " int8 dequantized");
        }
    }

    @Test
    void int8ChannelBitExact() {
        for (Case c : cases) {
            JsonNode n = c.node.get("int8_channel");
            if (n == null) {
                continue;
            }
            Int8ChannelTensor q = Int8ChannelTensor.quantize(c.values, c.rows, c.cols);
            assertArrayEquals(bytes(n.get("codes")), q.codes(), c.name + " int8-channel codes");
            assertBits(floats(n.get("scales")), q.scales(), c.name + " int8-channel scales");
            assertBits(floats(n.get("dequantized")), q.dequantize(), c.name + " int8-channel dequantized");
        }
    }

    @Test
    void ggmlBlocksBitExact() {
        int checked = 0;
        for (Case c : cases) {
            if (c.node.has("q8_0")) {
                assertArrayEquals(bytes(c.node.at("/q8_0/blocks")), Q8_0Tensor.quantize(c.values, c.rows, c.cols).blocks(),
                        c.name + " q8_0 blocks");
                assertArrayEquals(bytes(c.node.at("/q4_0/blocks")), Q4_0Tensor.quantize(c.values, c.rows, c.cols).blocks(),
                        c.name + " q4_0 blocks");
                checked++;
            }
        }
        assertEquals(4, checked, "cases with whole 32-blocks");
    }

    @Test
    void nf4BitExact() {
        for (Case c : cases) {
            JsonNode n = c.node.get("nf4");
            Nf4Tensor q = Nf4Tensor.quantize(c.values, c.rows, c.cols);
            assertArrayEquals(bytes(n.get("packed")), q.packed(), c.name + " nf4 packed");
            assertBits(floats(n.get("absmax")), q.absmax(), c.name + " nf4 absmax");
            if (n.has("dequantized")) {
                assertBits(floats(n.get("dequantized")), q.dequantize(), c.name + " nf4 dequantized");
            }
        }
    }

    @Test
    void nf4DoubleQuantBitExact() {
        for (Case c : cases) {
            JsonNode n = c.node.get("nf4_dq");
            Nf4DqTensor q = Nf4DqTensor.quantize(c.values, c.rows, c.cols);
            assertArrayEquals(bytes(c.node.at("/nf4/packed")), q.packed(), c.name + " nf4-dq packed");
            assertArrayEquals(bytes(n.get("absmax_codes")), q.absmaxCodes(), c.name + " nf4-dq absmax codes");
            assertBits(floats(n.get("nested_absmax")), q.nestedAbsmax(), c.name + " nf4-dq nested absmax");
            assertBits(floats(n.get("offset")), new float[] {q.offset()}, c.name + " nf4-dq offset");
            if (n.has("dequantized")) {
                assertBits(floats(n.get("dequantized")), q.dequantize(), c.name + " nf4-dq dequantized");
            }
        }
        assertTrue(Nf4DqTensor.quantize(cases.get(5).values, cases.get(5).rows, cases.get(5).cols).nestedAbsmax().length == 2,
                "the large case spans two nested blocks");
    }

    @Test
    void halfPrecisionBitExact() {
        for (Case c : cases) {
            if (!c.node.has("fp16")) {
                continue;
            }
            assertArrayEquals(shorts(c.node.get("fp16")), HalfTensor.quantize(QuantScheme.FP16, c.values, c.rows, c.cols).bits(),
                    c.name + " fp16");
            assertArrayEquals(shorts(c.node.get("bf16")), HalfTensor.quantize(QuantScheme.BF16, c.values, c.rows, c.cols).bits(),
                    c.name + " bf16");
        }
    }
}
