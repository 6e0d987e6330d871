package dev.distillery.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.embed.SentenceEncoder;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderInput;
import dev.distillery.model.SequenceClassifier;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizationInfo;
import dev.distillery.quant.QuantizedCheckpoint;
import dev.distillery.quant.QuantizedTensor;
import dev.distillery.quant.QuantizedWeightSource;
import dev.distillery.quant.WeightSelection;
import dev.distillery.tensor.Tensor;
import dev.distillery.testing.Numerics;
import dev.distillery.testing.OnnxRuntimeRun;
import dev.distillery.testing.SharedDatasets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quantized classifiers exported to ONNX: the file holds the folder's own codes and scales (read
 * back from the written ONNX and compared byte for byte with {@code model.safetensors}, after the
 * documented repacking), and ONNX Runtime's logits on 64 real URLs of the bundled phishing test split
 * match Distillery's on the same weights (all-MiniLM-L6-v2 with a classification head, quantized
 * as {@code quantize} would).
 */
class QuantizedOnnxExportTest {
    private static final int URLS = 64;
    private static EncoderConfig config;
    private static Map<String, Tensor> weights;
    private static EncoderInput urls;
    /** Each scheme quantized once, with Distillery's logits on it. */
    private static final Map<QuantScheme, Quantized> QUANTIZED = new HashMap<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void loadMiniLmAndRealUrls() throws Exception {
        SentenceEncoder minilm = SentenceEncoder.load(SentenceEncoder.MINILM);
        List<String> texts = SharedDatasets.urls("phishing-urls/test.csv.gz").subList(0, URLS);
        urls = minilm.tokenize(texts, 64);
        config = minilm.config().withLabels(List.of("legitimate", "phishing"));
        SequenceClassifier fp32 = SequenceClassifier.create(config, 21);
        fp32.loadPretrained(minilm.encoder().weights());
        weights = new LinkedHashMap<>(fp32.weights());
        // A fine-tuned head gives logits of a few units; the fresh one (std 0.02) gives a fortieth of that.
        weights.computeIfPresent("classifier.weight", (k, t) -> scaled(t, 40f));
    }

    @AfterAll
    static void release() {
        weights = null;
        urls = null;
        QUANTIZED.clear();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"bert,int8", "bert,int8-channel", "bert,q8_0", "bert,q4_0", "bert,nf4", "bert,nf4-dq",
            "distilbert,q4_0", "distilbert,nf4-dq"})
    void initializersAreTheFolderTensorsByteForByte(String family, String schemeId) throws Exception {
        QuantScheme scheme = QuantScheme.fromId(schemeId);
        EncoderConfig tiny = tinyConfig(family);
        Map<String, Tensor> tinyWeights = perturbed(SequenceClassifier.create(tiny, 3).weights(), 4);
        Map<String, Tensor> dense = new LinkedHashMap<>();
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
        split(tiny, scheme, tinyWeights, dense, quantized);
        Path dir = tmp.resolve("folder");
        QuantizedCheckpoint.write(dir, tiny, dense, quantized, null, true);
        Map<String, QuantScheme> formats = new LinkedHashMap<>();
        quantized.keySet().forEach(name -> formats.put(name, scheme));
        QuantizedCheckpoint read = QuantizedCheckpoint.read(dir, new QuantizationInfo(scheme, formats, List.of(), List.of(),
                Double.NaN));

        ModelProto model = ModelProto.parseFrom(BertOnnxExporter.export(tiny, read.dense(), read.quantized(), true,
                ActivationPrecision.FP32));
        Map<String, TensorProto> initializers = new HashMap<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            for (Map.Entry<String, QuantizedTensor> e : read.quantized().entrySet()) {
                assertFolderBytes(st, initializers, e.getKey(), e.getValue(), e.getKey().contains("embeddings"));
            }
        }
        // No float copy of a quantized matrix: every quantized weight's initializers are at most its folder bytes,
        // plus the widening of fp16 scales and of nf4-dq's 8-bit absmax codes to float32.
        for (Map.Entry<String, QuantizedTensor> e : read.quantized().entrySet()) {
            long onnxBytes = initializers.values().stream().filter(t -> t.getName().startsWith(e.getKey()))
                    .mapToLong(t -> t.getRawData().size()).sum();
            assertTrue(onnxBytes <= e.getValue().sizeBytes() * 1.15 + 8, e.getKey() + ": " + onnxBytes
                    + " bytes in the ONNX file for " + e.getValue().sizeBytes() + " in the folder");
        }
        assertOpsetsFit(model, scheme);
    }

    /**
     * ONNX Runtime against Distillery, both on the same quantized weights, over 64 real URLs. With
     * float activations the weights are bit for bit the same (QuantizedOnnxOpsTest), so only the order
     * of summation and the fused kernels differ (ONNX Runtime's blocked GEMM and dequantizing MatMul,
     * LayerNorm, Softmax, Erf against Distillery's). Measured: at most 6e-6 on logits up to ~4.5;
     * rtol 1e-4 with atol 5e-5 is the budget of the FP32 export's tests, scaled to six 384-wide layers.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"int8", "int8-channel", "q8_0", "q4_0", "nf4", "nf4-dq"})
    void onnxRuntimeGivesDistilleryLogitsOnRealUrls(String schemeId) throws Exception {
        Logits l = logits(QuantScheme.fromId(schemeId), ActivationPrecision.FP32);
        Numerics.assertClose(l.distillery, l.onnxRuntime, 1e-4, 5e-5, schemeId + " logits, ONNX Runtime against Distillery");
    }

    /**
     * With 8-bit activations ONNX Runtime runs another model: each product's input is rounded to 256
     * levels per tensor (INT8: DynamicQuantizeLinear over the whole padded batch, so BERT's outlier
     * dimensions set a coarse step for everything else) or per block of 32 (Q4_0: MatMulNBits at
     * accuracy level 4), and six layers carry that to the logits. Measured on these 64 URLs (logits up
     * to ~4.5, mean margin ~3.6) on an AVX-512 VNNI CPU: at most 0.60 (int8), 0.57 (int8-channel) and
     * 0.14 (q4_0), no label changed. Asserted: at most 1.5, and the same label wherever Distillery's
     * margin exceeds 1; the room above the measured figure is for CPUs without VNNI, where ONNX
     * Runtime's u8s8 kernel adds pairs of products in int16 with saturation (QuantizedOnnxOpsTest
     * proves each operator's arithmetic against its spec on inputs that cannot saturate).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"int8", "int8-channel", "q4_0"})
    void int8ActivationsMoveLogitsWithinTheirBound(String schemeId) throws Exception {
        Logits l = logits(QuantScheme.fromId(schemeId), ActivationPrecision.INT8);
        double worst = Numerics.maxAbsDiff(l.distillery, l.onnxRuntime);
        assertTrue(worst <= 1.5, schemeId + ": int8 activations moved a logit by " + worst);
        assertTrue(worst > 1e-3, schemeId + ": logits did not move; the activations were not quantized");
        for (int r = 0; r < URLS; r++) {
            float d0 = l.distillery[2 * r];
            float d1 = l.distillery[2 * r + 1];
            if (Math.abs(d0 - d1) > 1) {
                assertEquals(d1 > d0, l.onnxRuntime[2 * r + 1] > l.onnxRuntime[2 * r], "label of URL " + r);
            }
        }
    }

    private record Logits(float[] distillery, float[] onnxRuntime) {
    }

    private record Quantized(Map<String, Tensor> dense, Map<String, QuantizedTensor> packed, float[] distillery) {
    }

    /** MiniLM with a seeded two-label head, quantized as {@code quantize} selects, on the 64 URLs. */
    private static Logits logits(QuantScheme scheme, ActivationPrecision activations) throws Exception {
        Quantized q = QUANTIZED.computeIfAbsent(scheme, s -> {
            Map<String, Tensor> dense = new LinkedHashMap<>();
            Map<String, QuantizedTensor> packed = new LinkedHashMap<>();
            split(config, s, weights, dense, packed);
            return new Quantized(dense, packed,
                    SequenceClassifier.fromWeights(config, new QuantizedWeightSource(dense, packed)).logits(urls));
        });
        byte[] onnx = BertOnnxExporter.export(config, q.dense, q.packed, true, activations);
        return new Logits(q.distillery, OnnxRuntimeRun.outputs(onnx, urls).get("logits"));
    }

    /** The weights {@code quantize} packs for {@code scheme} go to {@code quantized}, the rest to {@code dense}. */
    private static void split(EncoderConfig config, QuantScheme scheme, Map<String, Tensor> weights,
                              Map<String, Tensor> dense, Map<String, QuantizedTensor> quantized) {
        weights.forEach((name, t) -> {
            if (WeightSelection.packs(config, scheme, name, t.shape())) {
                quantized.put(name, scheme.quantize(t.data(), t.shape()[0], t.shape()[1]));
            } else {
                dense.put(name, t);
            }
        });
        assertTrue(quantized.keySet().stream().anyMatch(n -> n.contains("word_embeddings")), "embeddings quantized");
        assertTrue(quantized.size() > 2, "matrices quantized: " + quantized.keySet());
    }

    /**
     * The folder's tensors of {@code name}, rebuilt from the ONNX initializers by undoing the
     * documented repacking, equal {@code model.safetensors}' bytes.
     */
    private static void assertFolderBytes(SafetensorsFile st, Map<String, TensorProto> onnx, String name, QuantizedTensor q,
                                          boolean table) throws Exception {
        int rows = q.rows();
        int cols = q.cols();
        switch (q.scheme()) {
            case INT8_CHANNEL -> {
                byte[] codes = raw(onnx, name + ".int8_channel", TensorProto.DataType.INT8);
                assertArrayEquals(st.raw(name + ".int8_channel").data(), table ? codes : transpose(codes, cols, rows), name);
                assertArrayEquals(st.raw(name + ".int8_channel_scale").data(),
                        raw(onnx, name + ".int8_channel_scale", TensorProto.DataType.FLOAT), name + " scales");
            }
            case INT8 -> {
                // ONNX holds code − 128 and zero point − 128 as INT8: flip the top bit back.
                byte[] codes = raw(onnx, name + ".int8", TensorProto.DataType.INT8);
                for (int i = 0; i < codes.length; i++) {
                    codes[i] ^= (byte) 0x80;
                }
                assertArrayEquals(st.raw(name + ".int8").data(), table ? codes : transpose(codes, cols, rows), name);
                assertArrayEquals(st.raw(name + ".int8_scale").data(), raw(onnx, name + ".int8_scale", TensorProto.DataType.FLOAT));
                int zeroPoint = ByteBuffer.wrap(st.raw(name + ".int8_zero_point").data()).order(ByteOrder.LITTLE_ENDIAN).getInt();
                assertEquals(zeroPoint, raw(onnx, name + ".int8_zero_point", TensorProto.DataType.INT8)[0] + 128);
            }
            case Q8_0 -> {
                // ggml block: fp16 d, then 32 signed codes. ONNX: codes [in, out] (or [rows, cols] for a table), d widened.
                byte[] codes = raw(onnx, name + ".q8_0", TensorProto.DataType.INT8);
                codes = table ? codes : transpose(codes, cols, rows);
                float[] scales = floats(raw(onnx, name + ".q8_0_scale", TensorProto.DataType.FLOAT));
                scales = table ? scales : transpose(scales, cols / 32, rows);
                byte[] blocks = new byte[rows * cols / 32 * 34];
                for (int b = 0; b < rows * cols / 32; b++) {
                    putHalf(blocks, b * 34, scales[b]);
                    System.arraycopy(codes, b * 32, blocks, b * 34 + 2, 32);
                }
                assertArrayEquals(st.raw(name + ".q8_0").data(), blocks, name);
            }
            case Q4_0 -> {
                // ONNX: element 2i in the low nibble of byte i, 2i + 1 in the high one; ggml: j and j + 16 share byte j.
                byte[] nbits = raw(onnx, name + ".q4_0", TensorProto.DataType.UINT8);
                float[] scales = floats(raw(onnx, name + ".q4_0_scale", TensorProto.DataType.FLOAT));
                byte[] blocks = new byte[rows * cols / 32 * 18];
                for (int b = 0; b < rows * cols / 32; b++) {
                    putHalf(blocks, b * 18, scales[b]);
                    for (int j = 0; j < 32; j++) {
                        int packed = nbits[b * 16 + j / 2] & 0xFF;
                        int code = j % 2 == 0 ? packed & 0xF : packed >> 4;
                        blocks[b * 18 + 2 + (j & 15)] |= (byte) (j < 16 ? code : code << 4);
                    }
                }
                assertArrayEquals(st.raw(name + ".q4_0").data(), blocks, name);
            }
            case NF4 -> {
                assertArrayEquals(st.raw(name).data(), raw(onnx, name, TensorProto.DataType.UINT8), name);
                assertArrayEquals(st.raw(name + ".absmax").data(), raw(onnx, name + ".absmax", TensorProto.DataType.FLOAT));
            }
            case NF4_DQ -> {
                assertArrayEquals(st.raw(name).data(), raw(onnx, name, TensorProto.DataType.UINT8), name);
                // bitsandbytes: absmax = dequantize_blockwise(codes, nested state) + offset, float32 throughout
                byte[] codes = st.raw(name + ".absmax").data();
                float[] nested = floats(st.raw(name + ".nested_absmax").data());
                float[] map = floats(st.raw(name + ".nested_quant_map").data());
                String state = new String(st.raw(name + ".quant_state.bitsandbytes__nf4").data(), StandardCharsets.UTF_8);
                float offset = (float) new ObjectMapper().readTree(state).get("nested_offset").asDouble();
                float[] restored = new float[codes.length];
                for (int b = 0; b < codes.length; b++) {
                    float dequantized = map[codes[b] & 0xFF] * nested[b / 256];
                    restored[b] = dequantized + offset;
                }
                float[] exported = floats(raw(onnx, name + ".absmax", TensorProto.DataType.FLOAT));
                for (int b = 0; b < restored.length; b++) {
                    assertEquals(Float.floatToRawIntBits(restored[b]), Float.floatToRawIntBits(exported[b]), name + " absmax " + b);
                }
            }
            default -> throw new AssertionError(q.scheme() + " is not exported as a quantized weight");
        }
    }

    /** Q8_0 needs opset 21; the contrib operators need the com.microsoft domain; nothing else does. */
    private static void assertOpsetsFit(ModelProto model, QuantScheme scheme) {
        Map<String, Long> opsets = new HashMap<>();
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            opsets.put(o.getDomain(), o.getVersion());
        }
        TreeSet<String> contrib = new TreeSet<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (!n.getDomain().isEmpty()) {
                contrib.add(n.getDomain() + "." + n.getOpType());
            }
        }
        assertEquals(scheme == QuantScheme.Q8_0 ? 21L : 17L, opsets.get(""));
        switch (scheme) {
            case Q4_0 -> assertEquals(List.of("com.microsoft.MatMulNBits"), List.copyOf(contrib));
            case NF4, NF4_DQ -> assertEquals(List.of("com.microsoft.MatMulBnb4"), List.copyOf(contrib));
            default -> assertTrue(contrib.isEmpty(), contrib.toString());
        }
        assertEquals(contrib.isEmpty() ? null : 1L, opsets.get("com.microsoft"));
    }

    private static byte[] raw(Map<String, TensorProto> onnx, String name, TensorProto.DataType type) {
        TensorProto t = onnx.get(name);
        assertTrue(t != null, "the ONNX file has no initializer " + name + "; it has " + new TreeSet<>(onnx.keySet()));
        assertEquals(type.getNumber(), t.getDataType(), name + " type");
        return t.getRawData().toByteArray();
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    private static void putHalf(byte[] out, int offset, float widened) {
        short h = Float.floatToFloat16(widened); // fp16 → fp32 → fp16 is exact
        out[offset] = (byte) h;
        out[offset + 1] = (byte) (h >> 8);
    }

    private static byte[] transpose(byte[] a, int rows, int cols) {
        byte[] t = new byte[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    /** Hidden 96 (NF4 blocks of 64 cross its rows) and FFN 160, both whole 32-blocks for ggml. */
    private static EncoderConfig tinyConfig(String family) {
        boolean distil = family.equals("distilbert");
        return new EncoderConfig(family, 50, 96, 2, 3, 160, 24, distil ? 0 : 2, 1e-12f, 0f, 0f, 0f,
                List.of("benign", "phishing"));
    }

    private static Map<String, Tensor> perturbed(Map<String, Tensor> weights, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Tensor> out = new LinkedHashMap<>();
        weights.forEach((name, t) -> {
            float[] data = t.data().clone();
            for (int i = 0; i < data.length; i++) {
                data[i] += (float) (0.2 * (rng.nextDouble() - 0.5));
            }
            out.put(name, Tensor.of(data, t.shape()));
        });
        return out;
    }

    private static Tensor scaled(Tensor t, float factor) {
        float[] data = t.data().clone();
        for (int i = 0; i < data.length; i++) {
            data[i] *= factor;
        }
        return Tensor.of(data, t.shape());
    }
}
