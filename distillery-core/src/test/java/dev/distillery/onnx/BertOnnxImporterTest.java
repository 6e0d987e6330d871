package dev.distillery.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.bert.BertFamily;
import dev.distillery.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Imports the bundled MiniLM export and damaged copies of it. Numerical agreement of the imported
 * weights with ONNX Runtime is proven end to end by {@code MiniLmVersusOrtTest}.
 */
class BertOnnxImporterTest {
    private static ModelProto model;
    private static ImportedEncoder imported;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = MiniLm.open(MiniLm.MODEL_RESOURCE)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        }
        imported = BertOnnxImporter.fromModel(model, "minilm");
    }

    @Test
    void configMatchesMiniLmL6() {
        EncoderConfig c = imported.config();
        // Values of all-MiniLM-L6-v2's config.json on the Hugging Face hub.
        assertEquals("bert", c.family());
        assertEquals(30522, c.vocabSize());
        assertEquals(384, c.hiddenSize());
        assertEquals(6, c.numLayers());
        assertEquals(12, c.numHeads());
        assertEquals(1536, c.intermediateSize());
        assertEquals(512, c.maxPositions());
        assertEquals(2, c.typeVocabSize());
        assertEquals(1e-12f, c.layerNormEps());
        assertTrue(c.labels().isEmpty());
    }

    @Test
    void everyBertParameterIsPresentWithItsPyTorchShape() {
        // the BERT family's table, bare as a BertModel export names it, without the pooler
        Map<String, int[]> expected = new java.util.LinkedHashMap<>();
        BertFamily.NAMES.shapes(imported.config()).forEach((name, shape) -> {
            if (!name.startsWith(BertFamily.NAMES.headDense())) {
                expected.put(BertFamily.NAMES.bare(name), shape);
            }
        });
        assertEquals(5 + 16 * 6, expected.size());
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            Tensor t = imported.weights().get(e.getKey());
            assertNotNull(t, e.getKey());
            assertArrayEquals(e.getValue(), t.shape(), e.getKey());
        }
        // The export includes BertModel's pooler (a Gemm with transB=1, so already [out, in]).
        assertTrue(imported.hasPooler());
        assertArrayEquals(new int[] {384, 384}, imported.weights().get("pooler.dense.weight").shape());
        assertEquals(expected.size() + 2, imported.weights().size());
    }

    @Test
    void matMulWeightsAreTransposedToOutByIn() {
        TensorProto raw = initializerFeeding("/encoder/layer.2/intermediate/dense/MatMul");
        assertEquals(Arrays.asList(384L, 1536L), raw.getDimsList());
        ByteBuffer le = raw.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        Tensor w = imported.weights().get("encoder.layer.2.intermediate.dense.weight"); // [1536, 384]
        for (int in : new int[] {0, 1, 200, 383}) {
            for (int out : new int[] {0, 7, 1000, 1535}) {
                assertEquals(le.getFloat((in * 1536 + out) * Float.BYTES), w.get(out, in), 0f);
            }
        }
    }

    @Test
    void floatDataAndRawDataDecodeAlike() throws OnnxImportException {
        float[] values = {1.5f, -2.25f, Float.MIN_VALUE, 3e38f, -0f, 0.1f};
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putFloat(v);
        }
        TensorProto.Builder b = TensorProto.newBuilder().setName("t").setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addDims(2).addDims(3);
        Tensor fromRaw = OnnxTensors.floats(b.clone().setRawData(com.google.protobuf.ByteString.copyFrom(bytes.array()))
                .build(), "test");
        TensorProto.Builder typed = b.clone();
        for (float v : values) {
            typed.addFloatData(v);
        }
        Tensor fromTyped = OnnxTensors.floats(typed.build(), "test");
        assertArrayEquals(values, fromRaw.data());
        assertArrayEquals(values, fromTyped.data());
        assertArrayEquals(new int[] {2, 3}, fromRaw.shape());
    }

    @Test
    void shortRawDataIsRejected() {
        TensorProto t = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addDims(4).setRawData(com.google.protobuf.ByteString.copyFrom(new byte[12])).build();
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> OnnxTensors.floats(t, "f.onnx"));
        assertTrue(e.getMessage().contains("'w' has 12 bytes of raw_data; expected 16"), e.getMessage());
    }

    @Test
    void notAnOnnxFileIsRejected() {
        byte[] text = "{\"hello\": \"world\"}".getBytes(StandardCharsets.UTF_8);
        OnnxImportException e = assertThrows(OnnxImportException.class,
                () -> BertOnnxImporter.read(new ByteArrayInputStream(text), "notes.json"));
        assertTrue(e.getMessage().startsWith("notes.json"), e.getMessage());
    }

    @Test
    void missingBiasIsNamed() {
        String bias = "encoder.layer.3.attention.self.key.bias";
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> importEdited(g -> {
            GraphProto.Builder b = g.toBuilder();
            b.removeInitializer(indexOfInitializer(g, bias));
            return b.build();
        }));
        // Without its bias the key MatMul is still named from its scope; the bias itself is missing.
        assertTrue(e.getMessage().contains("missing '" + bias + "'"), e.getMessage());
    }

    @Test
    void biasThatContradictsTheScopeIsRejected() {
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> importEdited(g -> {
            GraphProto.Builder b = g.toBuilder();
            for (int i = 0; i < b.getNodeCount(); i++) {
                NodeProto n = b.getNode(i);
                if (n.getName().equals("/encoder/layer.1/attention/self/query/Add")) {
                    b.setNode(i, n.toBuilder().setInput(0, "encoder.layer.1.attention.self.key.bias"));
                }
            }
            return b.build();
        }));
        assertTrue(e.getMessage().contains("disagrees with its scope name"), e.getMessage());
    }

    @Test
    void differingLayerNormEpsilonsAreRejected() {
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> importEdited(g -> {
            GraphProto.Builder b = g.toBuilder();
            for (int i = 0; i < b.getNodeCount(); i++) {
                NodeProto n = b.getNode(i);
                if (n.getName().equals("/encoder/layer.4/output/LayerNorm/Constant_1")) {
                    TensorProto eps = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT.getNumber())
                            .addFloatData(1e-5f).build();
                    b.setNode(i, n.toBuilder().setAttribute(0, n.getAttribute(0).toBuilder().setT(eps)));
                }
            }
            return b.build();
        }));
        assertTrue(e.getMessage().contains("encoder.layer.4.output.LayerNorm.weight' uses epsilon 1.0E-5"), e.getMessage());
    }

    @Test
    void quantizedParametersAreRejected() {
        String name = "encoder.layer.0.output.dense.bias";
        OnnxImportException e = assertThrows(OnnxImportException.class, () -> importEdited(g -> {
            GraphProto.Builder b = g.toBuilder();
            int i = indexOfInitializer(g, name);
            b.setInitializer(i, b.getInitializer(i).toBuilder().setDataType(TensorProto.DataType.INT8.getNumber()));
            return b.build();
        }));
        assertTrue(e.getMessage().contains("'" + name + "' is INT8"), e.getMessage());
    }

    @Test
    void bertPrefixedExportImportsUnderTheSameNames() throws OnnxImportException {
        // A BertForSequenceClassification export names everything under 'bert.' and '/bert/'.
        ImportedEncoder prefixed = importEdited(g -> {
            GraphProto.Builder b = g.toBuilder();
            java.util.Set<String> params = new java.util.HashSet<>();
            for (int i = 0; i < b.getInitializerCount(); i++) {
                String name = b.getInitializer(i).getName();
                if (!name.startsWith("onnx::")) {
                    params.add(name);
                    b.setInitializer(i, b.getInitializer(i).toBuilder().setName("bert." + name));
                }
            }
            for (int i = 0; i < b.getNodeCount(); i++) {
                NodeProto.Builder n = b.getNode(i).toBuilder();
                if (n.getName().startsWith("/encoder/") || n.getName().startsWith("/embeddings/")) {
                    n.setName("/bert" + n.getName());
                }
                for (int k = 0; k < n.getInputCount(); k++) {
                    if (params.contains(n.getInput(k))) {
                        n.setInput(k, "bert." + n.getInput(k));
                    }
                }
                b.setNode(i, n);
            }
            return b.build();
        });
        assertEquals(imported.config(), prefixed.config());
        assertEquals(imported.weights().keySet(), prefixed.weights().keySet());
        for (Map.Entry<String, Tensor> e : imported.weights().entrySet()) {
            assertArrayEquals(e.getValue().data(), prefixed.weights().get(e.getKey()).data(), e.getKey());
        }
    }

    private static ImportedEncoder importEdited(UnaryOperator<GraphProto> edit) throws OnnxImportException {
        return BertOnnxImporter.fromModel(model.toBuilder().setGraph(edit.apply(model.getGraph())).build(), "edited");
    }

    private static int indexOfInitializer(GraphProto g, String name) {
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("the bundled model has no initializer " + name);
    }

    private static TensorProto initializerFeeding(String nodeName) {
        String input = model.getGraph().getNodeList().stream().filter(n -> n.getName().equals(nodeName))
                .findFirst().orElseThrow().getInput(1);
        return model.getGraph().getInitializer(indexOfInitializer(model.getGraph(), input));
    }
}
