package dev.distillery.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.model.EncoderConfig;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    static final EncoderConfig TINY_BERT =
            new EncoderConfig("bert", 11, 4, 2, 2, 8, 16, 2, 1e-12f, 0.1f, 0.1f, 0.2f, List.of("benign", "phishing"));
    static final EncoderConfig TINY_DISTILBERT =
            new EncoderConfig("distilbert", 11, 6, 2, 3, 8, 16, 0, 1e-12f, 0.1f, 0.1f, 0.2f, List.of("a", "b", "c"));

    @TempDir
    Path tmp;

    /** Seeded random weights for every expected tensor of {@code c}. */
    static Map<String, Tensor> randomWeights(EncoderConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> w = new LinkedHashMap<>();
        WeightNames.expected(c).forEach((name, shape) -> {
            Tensor t = Tensor.zeros(shape);
            for (int i = 0; i < t.size(); i++) {
                t.data()[i] = (float) r.nextGaussian();
            }
            w.put(name, t);
        });
        return w;
    }

    private Path vocab() throws IOException {
        Path v = tmp.resolve("src-vocab.txt");
        Files.writeString(v, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\nc\nd\ne\nf\n");
        return v;
    }

    private static void assertSameWeights(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) {
            assertArrayEquals(want.get(name).shape(), got.get(name).shape(), name);
            // Bit-exact: F32 storage must not change a single value.
            assertArrayEquals(want.get(name).data(), got.get(name).data(), 0f, name);
        }
    }

    @Test
    void writesAndReadsBackBertBitExactly() throws IOException {
        Map<String, Tensor> weights = randomWeights(TINY_BERT, 1);
        Path dir = tmp.resolve("bert");
        Checkpoint.write(dir, TINY_BERT, weights, vocab());
        Checkpoint cp = Checkpoint.read(dir);
        assertEquals(TINY_BERT, cp.config());
        assertSameWeights(weights, cp.weights());
        assertEquals(dir.resolve("vocab.txt"), cp.tokenizerFile());
        assertEquals(Files.readString(vocab()), Files.readString(cp.tokenizerFile()));
        assertTrue(cp.lowerCase());
        assertEquals(List.of(), cp.ignoredTensors());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("config.json", "model.safetensors", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
        }
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertTrue(f.contains("bert.encoder.layer.1.attention.self.query.weight"));
            assertTrue(f.contains("classifier.weight"));
        }
        JsonNode tokenizerConfig = new ObjectMapper().readTree(dir.resolve("tokenizer_config.json").toFile());
        assertEquals("BertTokenizer", tokenizerConfig.get("tokenizer_class").textValue());
        assertEquals(16, tokenizerConfig.get("model_max_length").intValue());
        assertEquals("[PAD]", new ObjectMapper().readTree(dir.resolve("special_tokens_map.json").toFile()).get("pad_token").textValue());
    }

    @Test
    void writesAndReadsBackDistilBert() throws IOException {
        Map<String, Tensor> weights = randomWeights(TINY_DISTILBERT, 2);
        Path dir = tmp.resolve("distil");
        Checkpoint.write(dir, TINY_DISTILBERT, weights, vocab(), new Checkpoint.WriteOptions(DType.F32, false));
        Checkpoint cp = Checkpoint.read(dir);
        assertEquals(TINY_DISTILBERT, cp.config());
        assertSameWeights(weights, cp.weights());
        assertFalse(cp.lowerCase());
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertTrue(f.contains("distilbert.transformer.layer.1.ffn.lin1.weight"));
            assertTrue(f.contains("pre_classifier.weight"));
        }
    }

    @Test
    void encoderWithoutLabelsIsWrittenAsABareModel() throws IOException {
        EncoderConfig encoder = TINY_BERT.withLabels(List.of());
        Map<String, Tensor> weights = randomWeights(encoder, 3);
        Path dir = tmp.resolve("encoder");
        Checkpoint.write(dir, encoder, weights, null);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertTrue(f.contains("embeddings.word_embeddings.weight"));
            assertTrue(f.contains("pooler.dense.bias"));
            assertFalse(f.contains("bert.pooler.dense.bias"));
        }
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("BertModel", config.get("architectures").get(0).textValue());
        Checkpoint cp = Checkpoint.read(dir);
        assertEquals(encoder, cp.config());
        assertSameWeights(weights, cp.weights());
        assertEquals(null, cp.tokenizerFile());
    }

    @Test
    void halfPrecisionStorageRoundsEachWeightOnce() throws IOException {
        Map<String, Tensor> weights = randomWeights(TINY_BERT, 4);
        Path dir = tmp.resolve("half");
        Checkpoint.write(dir, TINY_BERT, weights, vocab(), new Checkpoint.WriteOptions(DType.F16, true));
        Checkpoint cp = Checkpoint.read(dir);
        assertEquals("float16", new ObjectMapper().readTree(dir.resolve("config.json").toFile()).get("torch_dtype").textValue());
        for (var e : weights.entrySet()) {
            float[] want = e.getValue().data().clone();
            for (int i = 0; i < want.length; i++) {
                want[i] = Float.float16ToFloat(Float.floatToFloat16(want[i]));
            }
            assertArrayEquals(want, cp.weights().get(e.getKey()).data(), 0f, e.getKey());
        }
    }

    /** A checkpoint as older transformers saved a BertModel: bare names plus the position_ids buffer, and an MLM head. */
    @Test
    void readsBareNamesDropsBuffersAndIgnoresOtherHeads() throws IOException {
        EncoderConfig encoder = TINY_BERT.withLabels(List.of());
        Map<String, RawTensor> raw = new LinkedHashMap<>();
        Map<String, Tensor> weights = randomWeights(encoder, 5);
        weights.forEach((name, t) -> raw.put(name.substring("bert.".length()), TensorCodec.encode(t, DType.BF16)));
        raw.put("embeddings.position_ids", new RawTensor(DType.I64, new long[] {1, 16}, new byte[16 * 8]));
        raw.put("cls.predictions.bias", TensorCodec.encode(Tensor.zeros(11), DType.F32));
        Path dir = Files.createDirectories(tmp.resolve("old"));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), raw, null);
        HfConfig.write(dir.resolve("config.json"), encoder, "bfloat16");
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"do_lower_case\": false}");
        Checkpoint cp = Checkpoint.read(dir);
        assertEquals(WeightNames.expected(encoder).keySet(), cp.weights().keySet());
        assertEquals(List.of("cls.predictions.bias"), cp.ignoredTensors());
        assertEquals(dir.resolve("tokenizer.json"), cp.tokenizerFile());
        assertFalse(cp.lowerCase());
        float bf16 = Float.intBitsToFloat((TensorCodec.toBF16(weights.get("bert.pooler.dense.weight").data()[3]) & 0xFFFF) << 16);
        assertEquals(bf16, cp.weights().get("bert.pooler.dense.weight").data()[3]);
    }

    @Test
    void reportsEveryMismatchWithTheConfigInOneMessage() throws IOException {
        Map<String, Tensor> weights = randomWeights(TINY_BERT, 6);
        Path dir = tmp.resolve("bad");
        Checkpoint.write(dir, TINY_BERT, weights, vocab());
        // Rewrite the weights without the classifier bias and with a transposed FFN output.
        Map<String, RawTensor> raw = new LinkedHashMap<>();
        weights.forEach((name, t) -> raw.put(name, TensorCodec.encode(t, DType.F32)));
        raw.remove("classifier.bias");
        raw.put("bert.encoder.layer.1.output.dense.weight", TensorCodec.encode(Tensor.zeros(8, 4), DType.F32));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), raw, Map.of("format", "pt"));
        String m = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(dir)).getMessage();
        assertTrue(m.contains("1 missing (classifier.bias)") && m.contains("expected [4, 8], found [8, 4]")
                && m.contains("config.json"), m);
    }

    @Test
    void rejectsIntegerWeights() throws IOException {
        EncoderConfig encoder = TINY_BERT.withLabels(List.of());
        Map<String, RawTensor> raw = new LinkedHashMap<>();
        randomWeights(encoder, 7).forEach((name, t) -> raw.put(name, TensorCodec.encode(t, DType.F32)));
        raw.put("bert.pooler.dense.bias", new RawTensor(DType.I32, new long[] {4}, new byte[16]));
        Path dir = Files.createDirectories(tmp.resolve("ints"));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), raw, null);
        HfConfig.write(dir.resolve("config.json"), encoder, "float32");
        String m = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(dir)).getMessage();
        assertTrue(m.contains("'bert.pooler.dense.bias' has dtype I32"), m);
    }

    @Test
    void explainsFoldersInOtherFormats() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("pickle"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"bert\"}");
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1, 2, 3});
        String m = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(dir)).getMessage();
        assertTrue(m.contains("pytorch_model.bin") && m.contains("convert it to model.safetensors"), m);
        Files.delete(dir.resolve("pytorch_model.bin"));
        m = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(dir)).getMessage();
        assertTrue(m.contains("has no model.safetensors"), m);
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Checkpoint.read(tmp.resolve("absent")));
    }

    @Test
    void refusesToWriteWeightsThatDoNotMatchTheConfig() {
        Map<String, Tensor> weights = new LinkedHashMap<>(randomWeights(TINY_BERT, 8));
        weights.remove("bert.pooler.dense.weight");
        weights.put("extra", Tensor.zeros(1));
        String m = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.write(tmp.resolve("w"), TINY_BERT, weights, null)).getMessage();
        assertTrue(m.contains("bert.pooler.dense.weight") && m.contains("extra"), m);
        assertFalse(Files.exists(tmp.resolve("w")), "nothing written when the weights are wrong");
    }

    @Test
    void labelsComeFromTheClassifierWhenTheConfigNamesNoArchitecture() throws IOException {
        Map<String, Tensor> weights = randomWeights(TINY_BERT, 9);
        Path dir = tmp.resolve("noarch");
        Checkpoint.write(dir, TINY_BERT, weights, null);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"bert\",\"vocab_size\":11,\"hidden_size\":4,"
                + "\"num_hidden_layers\":2,\"num_attention_heads\":2,\"intermediate_size\":8,\"max_position_embeddings\":16}");
        assertEquals(List.of("LABEL_0", "LABEL_1"), Checkpoint.read(dir).config().labels());
    }
}
