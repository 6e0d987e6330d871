package dev.distillery.onnx;

import static dev.distillery.onnx.GraphWriter.attrFloat;
import static dev.distillery.onnx.GraphWriter.attrInt;
import static dev.distillery.onnx.GraphWriter.attrInts;
import static dev.distillery.onnx.GraphWriter.tensorInfo;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderFamily;
import dev.distillery.model.EncoderNames;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedTensor;
import dev.distillery.tensor.Tensor;
import java.util.Arrays;
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
 * FP32 linear weights are stored transposed, [in, out], as MatMul takes them, under their Hugging
 * Face name; everything else keeps its name and layout. Quantized weights (a quantized folder's
 * codes and scales, never re-quantized) are written by {@link QuantizedOnnxOps}: INT8 and Q8_0 as
 * DequantizeLinear (opset 21 for Q8_0's blocks), Q4_0 and NF4 as ONNX Runtime's contrib operators
 * MatMulNBits and MatMulBnb4 (domain {@code com.microsoft}), quantized embedding rows decoded as
 * they are gathered.
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
    private final Map<String, QuantizedTensor> quantized;
    private final String prefix;
    private final GraphWriter g;
    private final QuantizedOnnxOps lowBit;

    private BertOnnxExporter(EncoderConfig config, Map<String, Tensor> weights, Map<String, QuantizedTensor> quantized,
                             ActivationPrecision activations, String graphName) {
        this.config = config;
        this.family = config.encoderFamily();
        this.names = family.names();
        this.weights = weights;
        this.quantized = quantized;
        String words = EncoderNames.WORDS + ".weight";
        this.prefix = weights.containsKey(words) || quantized.containsKey(words) ? "" : names.prefix();
        this.g = new GraphWriter(graphName, OPSET);
        this.lowBit = new QuantizedOnnxOps(g, activations);
    }

    /**
     * The ONNX model bytes of the encoder in {@code weights} (Hugging Face names, with or without the
     * family prefix), with the classification head when {@code withHead}.
     *
     * @throws IllegalArgumentException naming the tensor when one is missing or of the wrong shape, or
     *                                  when a head is asked of a config without labels
     */
    public static byte[] export(EncoderConfig config, Map<String, Tensor> weights, boolean withHead) {
        return export(config, weights, Map.of(), withHead, ActivationPrecision.FP32);
    }

    /**
     * The ONNX model bytes of a quantized encoder: {@code dense} holds the FP32 tensors (LayerNorms,
     * biases, the head, anything left unquantized), {@code quantized} the packed weights, both by
     * Hugging Face name as {@code quant.QuantizedCheckpoint} reads them. The default-domain opset is
     * {@value #OPSET}, or 21 when a Q8_0 matrix needs DequantizeLinear's block_size.
     *
     * @throws IllegalArgumentException naming the tensor when one is missing or of the wrong shape, or
     *                                  when a head is asked of a config without labels
     */
    public static byte[] export(EncoderConfig config, Map<String, Tensor> dense, Map<String, QuantizedTensor> quantized,
                                boolean withHead, ActivationPrecision activations) {
        if (withHead && config.labels().isEmpty()) {
            throw new IllegalArgumentException("this model has no classification head (its config has no labels)");
        }
        String name = config.family() + (withHead ? "-classifier" : "-encoder");
        return new BertOnnxExporter(config, dense, quantized, activations, name).build(withHead).toByteArray();
    }

    /**
     * What a weight stored as {@code scheme} becomes in an export, e.g. "com.microsoft.MatMulNBits (bits 4,
     * block_size 32, accuracy level 0)".
     */
    public static String operators(QuantScheme scheme, ActivationPrecision activations) {
        return QuantizedOnnxOps.operators(scheme, activations);
    }

    private ModelProto build(boolean withHead) {
        boolean types = names.tokenTypes() && config.typeVocabSize() > 0;
        g.addInput(tensorInfo("input_ids", TensorProto.DataType.INT64, "batch", "sequence"));
        g.addInput(tensorInfo("attention_mask", TensorProto.DataType.INT64, "batch", "sequence"));
        if (types) {
            g.addInput(tensorInfo("token_type_ids", TensorProto.DataType.INT64, "batch", "sequence"));
        }
        int h = config.hiddenSize();
        String x = embeddings(types);
        String mask = additiveMask();
        for (int i = 0; i < config.numLayers(); i++) {
            x = layer(i, x, mask);
        }
        g.node("Identity", List.of(x), "last_hidden_state");
        g.addOutput(tensorInfo("last_hidden_state", TensorProto.DataType.FLOAT, "batch", "sequence", h));
        if (withHead) {
            String first = g.node("Gather", List.of(x, g.scalarLong(0)), attrInt("axis", 1)); // [batch, hidden]
            // a head inside the encoder (BERT's pooler) follows the weights' prefix; a top-level one keeps its name
            String denseName = names.headInEncoder() ? prefix + names.bare(names.headDense()) : names.headDense();
            String dense = linear(first, denseName, h, h);
            String pooled = g.node(switch (family.headActivation()) {
                case TANH -> "Tanh";
                case RELU -> "Relu";
            }, List.of(dense));
            String logits = linear(pooled, names.classifier(), config.numLabels(), h);
            g.node("Identity", List.of(logits), "logits");
            g.addOutput(tensorInfo("logits", TensorProto.DataType.FLOAT, "batch", config.numLabels()));
        }
        return g.model();
    }

    private String embeddings(boolean types) {
        int h = config.hiddenSize();
        String words = lookup(prefix + EncoderNames.WORDS + ".weight", config.vocabSize(), h, "input_ids");
        String shape = g.node("Shape", List.of("input_ids"));
        String seqLen = g.node("Gather", List.of(shape, g.scalarLong(1)), attrInt("axis", 0));
        String positions = g.node("Unsqueeze", List.of(
                g.node("Range", List.of(g.scalarLong(0), seqLen, g.scalarLong(1))), g.longs(0))); // [1, seq]
        String sum = g.node("Add", List.of(words,
                lookup(prefix + EncoderNames.POSITIONS + ".weight", config.maxPositions(), h, positions)));
        if (types) {
            sum = g.node("Add", List.of(sum,
                    lookup(prefix + EncoderNames.TYPES + ".weight", config.typeVocabSize(), h, "token_type_ids")));
        }
        return layerNorm(sum, prefix + EncoderNames.EMBEDDING_NORM);
    }

    /** Rows of the table {@code name} [rows, width] at int64 {@code ids} [batch or 1, seq]: [.., seq, width]. */
    private String lookup(String name, int rows, int width, String ids) {
        QuantizedTensor q = quantized(name, rows, width);
        if (q != null) {
            return lowBit.gather(name, q, ids);
        }
        return g.node("Gather", List.of(g.floats(name, get(name, rows, width).data(), rows, width), ids));
    }

    /** (1 − mask)·min_float as [batch, 1, 1, sequence], added to every head's scores. */
    private String additiveMask() {
        String maskFloat = g.node("Cast", List.of("attention_mask"), attrInt("to", TensorProto.DataType.FLOAT_VALUE));
        String inverted = g.node("Sub", List.of(g.scalarFloat(1f), maskFloat));
        String additive = g.node("Mul", List.of(inverted, g.scalarFloat(MASKED)));
        return g.node("Unsqueeze", List.of(additive, g.longs(1, 2)));
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
        String splitShape = g.longs(0, 0, heads, headSize);
        String qh = g.node("Transpose", List.of(g.node("Reshape", List.of(q, splitShape))), attrInts("perm", 0, 2, 1, 3));
        String kt = g.node("Transpose", List.of(g.node("Reshape", List.of(k, splitShape))), attrInts("perm", 0, 2, 3, 1));
        String vh = g.node("Transpose", List.of(g.node("Reshape", List.of(v, splitShape))), attrInts("perm", 0, 2, 1, 3));
        String scale = g.scalarFloat((float) (1 / Math.sqrt(headSize)));
        String scores = g.node("Mul", List.of(g.node("MatMul", List.of(qh, kt)), scale));
        String probs = g.node("Softmax", List.of(g.node("Add", List.of(scores, mask))), attrInt("axis", -1));
        String context = g.node("Transpose", List.of(g.node("MatMul", List.of(probs, vh))), attrInts("perm", 0, 2, 1, 3));
        String merged = g.node("Reshape", List.of(context, g.longs(0, 0, inner)));
        String attended = linear(merged, n.attentionOut(), h, inner);
        String h1 = layerNorm(g.node("Add", List.of(attended, x)), n.attentionNorm());
        int ffn = config.intermediateSize();
        String up = linear(h1, n.intermediate(), ffn, h);
        // GELU in its exact erf form, as BERT's "gelu": x·(1 + erf(x/√2))/2.
        String erf = g.node("Erf", List.of(g.node("Div", List.of(up, g.scalarFloat((float) Math.sqrt(2))))));
        String gelu = g.node("Mul", List.of(g.node("Mul", List.of(up, g.node("Add", List.of(erf, g.scalarFloat(1f))))),
                g.scalarFloat(0.5f)));
        String down = linear(gelu, n.output(), h, ffn);
        return layerNorm(g.node("Add", List.of(down, h1)), n.outputNorm());
    }

    /** x·Wᵀ + b for the Linear {@code name} of [out, in]; an FP32 W is written transposed. */
    private String linear(String x, String name, int out, int in) {
        String bias = g.floats(name + ".bias", get(name + ".bias", out).data(), out);
        QuantizedTensor q = quantized(name + ".weight", out, in);
        if (q != null) {
            return g.node("Add", List.of(lowBit.product(x, name + ".weight", q), bias));
        }
        float[] w = get(name + ".weight", out, in).data();
        float[] transposed = new float[w.length]; // [in, out]
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) {
                transposed[j * out + o] = w[o * in + j];
            }
        }
        return g.node("Add", List.of(g.node("MatMul", List.of(x, g.floats(name + ".weight", transposed, in, out))),
                bias));
    }

    private String layerNorm(String x, String name) {
        int h = config.hiddenSize();
        String gamma = g.floats(name + ".weight", get(name + ".weight", h).data(), h);
        String beta = g.floats(name + ".bias", get(name + ".bias", h).data(), h);
        return g.node("LayerNormalization", List.of(x, gamma, beta), attrInt("axis", -1),
                attrFloat("epsilon", config.layerNormEps()));
    }

    /** The quantized form of {@code name}, checked against the shape the config needs; null when it is FP32. */
    private QuantizedTensor quantized(String name, int rows, int cols) {
        QuantizedTensor q = quantized.get(name);
        if (q != null && (q.rows() != rows || q.cols() != cols)) {
            throw new IllegalArgumentException("cannot export: tensor " + name + " is [" + q.rows() + ", " + q.cols()
                    + "], the config needs [" + rows + ", " + cols + "]");
        }
        return q;
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
}
