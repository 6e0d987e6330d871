package dev.distillery.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderFamily;
import dev.distillery.model.EncoderNames;
import dev.distillery.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an encoder of any {@link EncoderFamily} (BERT, DistilBERT) with Hugging Face weight names,
 * taken from the family's {@link EncoderNames}, as a self-contained ONNX model
 * (opset 17) that ONNX Runtime, or any ONNX runtime, runs without Distillery. The graph is the one
 * {@code transformers} defines, written out operator by operator:
 * <pre>
 *   x = LN(word[input_ids] + position[0..seq) + token_type[token_type_ids])
 *   per layer: q, k, v = x·Wᵀ + b split into heads; softmax(q·kᵀ/√d + (1 − mask)·min_float)·v
 *              h = LN(x + ctx·Woᵀ + bo);  x = LN(h + gelu_erf(h·W₁ᵀ + b₁)·W₂ᵀ + b₂)
 *   head:      logits = classifier(act(dense(x[:, 0])))   (the family's dense layer and activation:
 *              BERT's tanh pooler, DistilBERT's ReLU pre_classifier)
 * </pre>
 * Inputs are {@code input_ids}, {@code attention_mask} and, for a family with token types,
 * {@code token_type_ids}, all
 * int64 [batch, sequence]; outputs are {@code last_hidden_state} [batch, sequence, hidden] and,
 * when asked for, {@code logits} [batch, labels]. Pruned heads are honoured layer by layer.
 * Linear weights are stored transposed, [in, out], as MatMul takes them, under their Hugging Face
 * name; everything else keeps its name and layout. Weights must be FP32: a quantized folder has
 * no FP32 tensors to write, and writing its dequantized values would misrepresent what runs.
 */
public final class BertOnnxExporter {
    /** The opset written: the first with a LayerNormalization operator. */
    public static final int OPSET = 17;
    /** What a masked key adds to its score, as {@code transformers} does (torch.finfo(float32).min). */
    private static final float MASKED = -Float.MAX_VALUE;

    private final EncoderConfig config;
    private final EncoderFamily family;
    private final EncoderNames names;
    private final Map<String, Tensor> weights;
    private final String prefix;
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, String> constants = new HashMap<>(); // value → initializer name
    private int counter;

    private BertOnnxExporter(EncoderConfig config, Map<String, Tensor> weights) {
        this.config = config;
        this.family = config.encoderFamily();
        this.names = family.names();
        this.weights = weights;
        this.prefix = weights.containsKey(EncoderNames.WORDS + ".weight") ? "" : names.prefix();
    }

    /**
     * The ONNX model bytes of the encoder in {@code weights} (Hugging Face names, with or without the
     * family prefix), with the classification head when {@code withHead}.
     *
     * @throws IllegalArgumentException naming the tensor when one is missing or of the wrong shape, or
     *                                  when a head is asked of a config without labels
     */
    public static byte[] export(EncoderConfig config, Map<String, Tensor> weights, boolean withHead) {
        if (withHead && config.labels().isEmpty()) {
            throw new IllegalArgumentException("this model has no classification head (its config has no labels)");
        }
        return new BertOnnxExporter(config, weights).build(withHead).toByteArray();
    }

    private ModelProto build(boolean withHead) {
        boolean types = names.tokenTypes() && config.typeVocabSize() > 0;
        graph.setName(config.family() + (withHead ? "-classifier" : "-encoder"));
        graph.addInput(tensorInfo("input_ids", TensorProto.DataType.INT64, "batch", "sequence"));
        graph.addInput(tensorInfo("attention_mask", TensorProto.DataType.INT64, "batch", "sequence"));
        if (types) {
            graph.addInput(tensorInfo("token_type_ids", TensorProto.DataType.INT64, "batch", "sequence"));
        }
        int h = config.hiddenSize();
        String x = embeddings(types);
        String mask = additiveMask();
        for (int i = 0; i < config.numLayers(); i++) {
            x = layer(i, x, mask);
        }
        node("Identity", List.of(x), "last_hidden_state");
        graph.addOutput(tensorInfo("last_hidden_state", TensorProto.DataType.FLOAT, "batch", "sequence", h));
        if (withHead) {
            String first = node("Gather", List.of(x, scalarLong(0)), attrInt("axis", 1)); // [batch, hidden]
            // a head inside the encoder (BERT's pooler) follows the weights' prefix; a top-level one keeps its name
            String denseName = names.headInEncoder() ? prefix + names.bare(names.headDense()) : names.headDense();
            String dense = linear(first, denseName, h, h);
            String pooled = node(switch (family.headActivation()) {
                case TANH -> "Tanh";
                case RELU -> "Relu";
            }, List.of(dense));
            String logits = linear(pooled, names.classifier(), config.numLabels(), h);
            node("Identity", List.of(logits), "logits");
            graph.addOutput(tensorInfo("logits", TensorProto.DataType.FLOAT, "batch", config.numLabels()));
        }
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("distillery")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
    }

    private String embeddings(boolean types) {
        int h = config.hiddenSize();
        String words = node("Gather", List.of(table(prefix + EncoderNames.WORDS + ".weight", config.vocabSize(), h),
                "input_ids"));
        String shape = node("Shape", List.of("input_ids"));
        String seqLen = node("Gather", List.of(shape, scalarLong(1)), attrInt("axis", 0));
        String positions = node("Range", List.of(scalarLong(0), seqLen, scalarLong(1)));
        String sum = node("Add", List.of(words,
                node("Gather", List.of(table(prefix + EncoderNames.POSITIONS + ".weight", config.maxPositions(), h),
                        positions))));
        if (types) {
            sum = node("Add", List.of(sum, node("Gather",
                    List.of(table(prefix + EncoderNames.TYPES + ".weight", config.typeVocabSize(), h), "token_type_ids"))));
        }
        return layerNorm(sum, prefix + EncoderNames.EMBEDDING_NORM);
    }

    /** (1 − mask)·min_float as [batch, 1, 1, sequence], added to every head's scores. */
    private String additiveMask() {
        String maskFloat = node("Cast", List.of("attention_mask"), attrInt("to", TensorProto.DataType.FLOAT_VALUE));
        String inverted = node("Sub", List.of(scalarFloat(1f), maskFloat));
        String additive = node("Mul", List.of(inverted, scalarFloat(MASKED)));
        return node("Unsqueeze", List.of(additive, longs(1, 2)));
    }

    private String layer(int i, String x, String mask) {
        EncoderNames.Layer n = names.layer(prefix, i);
        int h = config.hiddenSize();
        int heads = config.headsInLayer(i);
        int inner = config.attentionWidth(i);
        int headSize = config.headSize();
        String q = linear(x, n.query(), inner, h);
        String k = linear(x, n.key(), inner, h);
        String v = linear(x, n.value(), inner, h);
        String splitShape = longs(0, 0, heads, headSize);
        String qh = node("Transpose", List.of(node("Reshape", List.of(q, splitShape))), attrInts("perm", 0, 2, 1, 3));
        String kt = node("Transpose", List.of(node("Reshape", List.of(k, splitShape))), attrInts("perm", 0, 2, 3, 1));
        String vh = node("Transpose", List.of(node("Reshape", List.of(v, splitShape))), attrInts("perm", 0, 2, 1, 3));
        String scale = scalarFloat((float) (1 / Math.sqrt(headSize)));
        String scores = node("Mul", List.of(node("MatMul", List.of(qh, kt)), scale));
        String probs = node("Softmax", List.of(node("Add", List.of(scores, mask))), attrInt("axis", -1));
        String context = node("Transpose", List.of(node("MatMul", List.of(probs, vh))), attrInts("perm", 0, 2, 1, 3));
        String merged = node("Reshape", List.of(context, longs(0, 0, inner)));
        String attended = linear(merged, n.attentionOut(), h, inner);
        String h1 = layerNorm(node("Add", List.of(attended, x)), n.attentionNorm());
        int ffn = config.intermediateSize();
        String up = linear(h1, n.intermediate(), ffn, h);
        // GELU in its exact erf form, as BERT's "gelu": x·(1 + erf(x/√2))/2.
        String erf = node("Erf", List.of(node("Div", List.of(up, scalarFloat((float) Math.sqrt(2))))));
        String gelu = node("Mul", List.of(node("Mul", List.of(up, node("Add", List.of(erf, scalarFloat(1f))))),
                scalarFloat(0.5f)));
        String down = linear(gelu, n.output(), h, ffn);
        return layerNorm(node("Add", List.of(down, h1)), n.outputNorm());
    }

    /** x·Wᵀ + b for the Linear {@code name} of [out, in]; W is written transposed. */
    private String linear(String x, String name, int out, int in) {
        float[] w = get(name + ".weight", out, in).data();
        float[] transposed = new float[w.length]; // [in, out]
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) {
                transposed[j * out + o] = w[o * in + j];
            }
        }
        String weight = initializer(name + ".weight", transposed, in, out);
        String bias = initializer(name + ".bias", get(name + ".bias", out).data(), out);
        return node("Add", List.of(node("MatMul", List.of(x, weight)), bias));
    }

    private String layerNorm(String x, String name) {
        int h = config.hiddenSize();
        String gamma = initializer(name + ".weight", get(name + ".weight", h).data(), h);
        String beta = initializer(name + ".bias", get(name + ".bias", h).data(), h);
        List<String> inputs = List.of(x, gamma, beta);
        AttributeProto axis = attrInt("axis", -1);
        AttributeProto eps = AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT)
                .setF(config.layerNormEps()).build();
        return node("LayerNormalization", inputs, axis, eps);
    }

    private String table(String name, int rows, int width) {
        return initializer(name, get(name, rows, width).data(), rows, width);
    }

    private Tensor get(String name, int... shape) {
        Tensor t = weights.get(name);
        if (t == null) {
            throw new IllegalArgumentException("cannot export: tensor " + name + " is missing");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("cannot export: tensor " + name + " is " + Arrays.toString(t.shape())
                    + ", the config needs " + Arrays.toString(shape));
        }
        return t;
    }

    private String node(String op, List<String> inputs, AttributeProto... attributes) {
        return node(op, inputs, op.toLowerCase() + "_" + counter++, attributes);
    }

    private String node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output)
                .addAllAttribute(List.of(attributes)));
        return output;
    }

    private String initializer(String name, float[] data, long... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(Arrays.stream(dims).boxed().toList()).setRawData(ByteString.copyFrom(bytes)));
        return name;
    }

    /** A float scalar initializer, written once however many nodes use it. */
    private String scalarFloat(float value) {
        return constants.computeIfAbsent("f" + value, k -> constant(TensorProto.newBuilder()
                .setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(value)));
    }

    private String scalarLong(long value) {
        return constants.computeIfAbsent("l" + value, k -> constant(TensorProto.newBuilder()
                .setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(value)));
    }

    /** A 1-D int64 initializer (shapes, axes). */
    private String longs(long... values) {
        return constants.computeIfAbsent("v" + Arrays.toString(values), k -> constant(TensorProto.newBuilder()
                .setDataType(TensorProto.DataType.INT64_VALUE).addDims(values.length)
                .addAllInt64Data(Arrays.stream(values).boxed().toList())));
    }

    private String constant(TensorProto.Builder tensor) {
        String name = "const_" + counter++;
        graph.addInitializer(tensor.setName(name));
        return name;
    }

    private static AttributeProto attrInt(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto attrInts(String name, long... values) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
                .addAllInts(Arrays.stream(values).boxed().toList()).build();
    }

    /** Dimensions are a String (symbolic) or an Integer (fixed). */
    private static ValueInfoProto tensorInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(d instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }
}
