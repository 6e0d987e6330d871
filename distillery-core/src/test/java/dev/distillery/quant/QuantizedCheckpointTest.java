package dev.distillery.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distillery.io.Checkpoint;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.RawTensor;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.io.SafetensorsWriter;
import dev.distillery.io.TensorInfo;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quantized folder layout: exact round trips per scheme, bitsandbytes names, and damaged files refused by name. */
class QuantizedCheckpointTest {
    static final EncoderConfig CONFIG = new EncoderConfig("bert", 40, 32, 1, 2, 64, 32, 2, 1e-12f, 0.1f, 0.1f, 0.1f,
            List.of("benign", "phishing"));
    static final String QUERY = "bert.encoder.layer.0.attention.self.query.weight";
    static final String WORDS = "bert.embeddings.word_embeddings.weight";

    @TempDir
    Path tmp;

    record Written(Path dir, Map<String, Tensor> fp32, Map<String, QuantizedTensor> quantized, QuantizationInfo info) {
    }

    /** Every 2-D encoder weight quantized with {@code scheme}, the head and small tables left FP32. */
    Written write(QuantScheme scheme, String name) throws IOException {
        Map<String, Tensor> weights = SequenceClassifier.create(CONFIG, 5).weights();
        Map<String, Tensor> dense = new LinkedHashMap<>();
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
        Map<String, QuantScheme> schemes = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            int[] s = e.getValue().shape();
            boolean candidate = s.length == 2 && (e.getKey().contains(".layer.") || e.getKey().equals(WORDS));
            if (candidate) {
                quantized.put(e.getKey(), scheme.quantize(e.getValue().data(), s[0], s[1]));
                schemes.put(e.getKey(), scheme);
            } else {
                dense.put(e.getKey(), e.getValue());
            }
        }
        Path vocab = tmp.resolve("vocab-src.txt");
        StringBuilder v = new StringBuilder();
        for (int i = 0; i < CONFIG.vocabSize(); i++) {
            v.append(i < 5 ? List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]").get(i) : "w" + i).append('\n');
        }
        Files.writeString(vocab, v);
        Path dir = tmp.resolve(name);
        QuantizedCheckpoint.write(dir, CONFIG, dense, quantized, vocab, true);
        return new Written(dir, weights, quantized, new QuantizationInfo(scheme, schemes, List.of(), List.of(), Double.NaN));
    }

    @Test
    void everySchemeRoundTripsBitForBit() throws IOException {
        for (QuantScheme scheme : QuantScheme.values()) {
            Written w = write(scheme, scheme.id());
            QuantizedCheckpoint back = QuantizedCheckpoint.read(w.dir, w.info);
            assertEquals(CONFIG, back.config());
            for (Map.Entry<String, QuantizedTensor> e : w.quantized.entrySet()) {
                QuantizedTensor expected = e.getValue();
                if (scheme.isStorageOnly()) {
                    // widened on load: exactly the stored half values
                    assertArrayEquals(expected.dequantize(), back.dense().get(e.getKey()).data(), 0f, scheme + " " + e.getKey());
                    continue;
                }
                QuantizedTensor actual = back.quantized().get(e.getKey());
                assertEquals(expected.scheme(), actual.scheme());
                assertArrayEquals(expected.dequantize(), actual.dequantize(), 0f, scheme + " " + e.getKey());
                assertEquals(expected.sizeBytes(), actual.sizeBytes());
            }
            for (Map.Entry<String, Tensor> e : back.dense().entrySet()) {
                if (!w.quantized.containsKey(e.getKey())) {
                    assertArrayEquals(w.fp32.get(e.getKey()).data(), e.getValue().data(), 0f, "dense " + e.getKey());
                }
            }
            assertTrue(Files.isRegularFile(w.dir.resolve(Checkpoint.VOCAB)));
        }
    }

    @Test
    void nf4UsesBitsandbytesNames() throws IOException {
        Written w = write(QuantScheme.NF4_DQ, "nf4dq");
        Nf4DqTensor q = (Nf4DqTensor) w.quantized.get(QUERY);
        try (SafetensorsFile st = SafetensorsFile.open(w.dir.resolve(Checkpoint.WEIGHTS))) {
            TensorInfo packed = st.info(QUERY);
            assertEquals(DType.U8, packed.dtype());
            assertArrayEquals(new long[] {32 * 32 / 2, 1}, packed.shape());
            assertArrayEquals(q.packed(), st.raw(QUERY).data());
            assertArrayEquals(q.absmaxCodes(), st.raw(QUERY + ".absmax").data());
            assertEquals(DType.F32, st.info(QUERY + ".quant_map").dtype());
            assertEquals(DType.F32, st.info(QUERY + ".nested_absmax").dtype());
            assertArrayEquals(new long[] {256}, st.info(QUERY + ".nested_quant_map").shape());
            String state = new String(st.raw(QUERY + ".quant_state.bitsandbytes__nf4").data(), StandardCharsets.UTF_8);
            assertEquals("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [32, 32], "
                    + "\"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": " + (double) q.offset() + "}", state);
            assertEquals(DType.F32, st.info("classifier.weight").dtype(), "the head stays FP32");
        }
    }

    /** Rewrites the weights file after {@code edit} changes its tensors. */
    static void edit(Path dir, Consumer<Map<String, RawTensor>> edit) throws IOException {
        Path file = dir.resolve(Checkpoint.WEIGHTS);
        Map<String, RawTensor> tensors = new LinkedHashMap<>();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            for (TensorInfo t : st.tensors()) {
                tensors.put(t.name(), st.raw(t.name()));
            }
        }
        edit.accept(tensors);
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
    }

    private void assertRefused(QuantScheme scheme, String mention, Consumer<Map<String, RawTensor>> damage) throws IOException {
        Written w = write(scheme, "damaged-" + scheme.id() + "-" + Math.abs(mention.hashCode()));
        edit(w.dir, damage);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> QuantizedCheckpoint.read(w.dir, w.info));
        assertTrue(e.getMessage().contains(mention), e.getMessage());
    }

    @Test
    void damagedTensorsAreRefusedByName() throws IOException {
        assertRefused(QuantScheme.Q4_0, QUERY + ".q4_0", m -> m.remove(QUERY + ".q4_0"));
        assertRefused(QuantScheme.Q8_0, QUERY + ".q8_0", m -> m.put(QUERY + ".q8_0",
                new RawTensor(DType.U8, new long[] {32, 33}, new byte[32 * 33])));
        assertRefused(QuantScheme.INT8_CHANNEL, QUERY + ".int8_channel_scale", m -> {
            byte[] scales = m.get(QUERY + ".int8_channel_scale").data();
            ByteBuffer.wrap(scales).order(ByteOrder.LITTLE_ENDIAN).putFloat(4, Float.NaN);
        });
        assertRefused(QuantScheme.INT8_CHANNEL, QUERY, m -> m.get(QUERY + ".int8_channel").data()[3] = (byte) -128);
        assertRefused(QuantScheme.INT8, QUERY + ".int8_zero_point", m -> m.put(QUERY + ".int8_zero_point",
                new RawTensor(DType.F32, new long[0], new byte[4])));
        assertRefused(QuantScheme.NF4, QUERY + ".quant_state.bitsandbytes__nf4", m -> {
            byte[] json = "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"shape\": [16, 64]}".getBytes(StandardCharsets.UTF_8);
            m.put(QUERY + ".quant_state.bitsandbytes__nf4", new RawTensor(DType.U8, new long[] {json.length}, json));
        });
        assertRefused(QuantScheme.NF4_DQ, QUERY + ".nested_quant_map", m -> {
            byte[] map = m.get(QUERY + ".nested_quant_map").data();
            map[9] ^= 1;
        });
        assertRefused(QuantScheme.NF4, WORDS + ".absmax", m -> m.remove(WORDS + ".absmax"));
        assertRefused(QuantScheme.Q4_0, WORDS + ".q4_0", m -> {
            byte[] blocks = m.get(WORDS + ".q4_0").data();
            blocks[18] = 0;
            blocks[19] = (byte) 0x7C; // fp16 +infinity as the second block's scale
        });
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        Written w = write(QuantScheme.NF4_DQ, "truncated");
        Path file = w.dir.resolve(Checkpoint.WEIGHTS);
        byte[] all = Files.readAllBytes(file);
        for (int cut : new int[] {0, 7, 100, all.length / 2, all.length - 1}) {
            Files.write(file, java.util.Arrays.copyOf(all, cut));
            assertThrows(CheckpointFormatException.class, () -> QuantizedCheckpoint.read(w.dir, w.info), "cut at " + cut);
        }
    }

    @Test
    void aManifestNamingAnUnknownMatrixIsRefused() throws IOException {
        Written w = write(QuantScheme.NF4, "unknown");
        Map<String, QuantScheme> t = new LinkedHashMap<>(w.info.tensors());
        t.put("bert.encoder.layer.7.output.dense.weight", QuantScheme.NF4);
        QuantizationInfo bad = new QuantizationInfo(QuantScheme.NF4, t, List.of(), List.of(), Double.NaN);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> QuantizedCheckpoint.read(w.dir, bad));
        assertTrue(e.getMessage().contains("layer.7"), e.getMessage());
    }
}
