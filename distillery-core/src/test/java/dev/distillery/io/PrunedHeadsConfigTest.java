package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.model.EncoderConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Hugging Face's {@code pruned_heads} in config.json: read, written, and its shapes in the weight names. */
class PrunedHeadsConfigTest {
    private static final EncoderConfig BASE = new EncoderConfig("bert", 100, 8, 3, 4, 16, 32, 2, 1e-12f, 0.1f, 0.1f, 0.1f,
            List.of("a", "b"));

    private static ObjectNode json(String prunedHeads) throws Exception {
        ObjectNode o = HfConfig.toJson(BASE, "float32");
        o.set("pruned_heads", HfConfig.JSON.readTree(prunedHeads));
        return o;
    }

    @Test
    void readsWhatTransformersWritesAndWritesItBack() throws Exception {
        EncoderConfig c = HfConfig.fromJson(json("{\"2\": [3, 0], \"0\": [1]}"), "config.json");
        assertEquals(Map.of(0, List.of(1), 2, List.of(0, 3)), c.prunedHeads());
        assertEquals(List.of(0, 2, 3), c.keptHeads(0));
        assertEquals(6, c.attentionWidth(0));
        assertEquals(8, c.attentionWidth(1));
        assertEquals(c, HfConfig.fromJson(HfConfig.toJson(c, "float32"), "again"));
        assertTrue(HfConfig.pretty(HfConfig.toJson(c, "float32")).contains("\"pruned_heads\": {\n    \"0\": [\n      1\n    ],"));
        int[] query = WeightNames.expected(c).get("bert.encoder.layer.2.attention.self.query.weight");
        int[] out = WeightNames.expected(c).get("bert.encoder.layer.2.attention.output.dense.weight");
        assertEquals(List.of(4, 8, 8, 4), List.of(query[0], query[1], out[0], out[1]));
    }

    @Test
    void unprunedConfigsWriteNoField() {
        assertTrue(!HfConfig.toJson(BASE, "float32").has("pruned_heads"));
        assertEquals(new TreeMap<>(), BASE.prunedHeads());
    }

    @Test
    void malformedPrunedHeadsNameTheFileAndField() throws Exception {
        for (String[] c : new String[][] {
                {"[1, 2]", "must be an object"},
                {"{\"x\": [1]}", "key \"x\" is not a layer index"},
                {"{\"0\": 1}", "must be a list of head indices"},
                {"{\"0\": [1.5]}", "not a head index"},
                {"{\"0\": [4]}", "[0, 4)"},
                {"{\"3\": [0]}", "layer 3 but the encoder has 3 layers"},
                {"{\"1\": [0, 1, 2, 3]}", "remove all 4 heads"}}) {
            String message = assertThrows(CheckpointFormatException.class,
                    () -> HfConfig.fromJson(json(c[0]), "model/config.json")).getMessage();
            assertTrue(message.startsWith("model/config.json") && message.contains(c[1]), c[0] + ": " + message);
        }
    }
}
