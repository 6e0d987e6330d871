package dev.distillery.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.distillery.model.EncoderConfig;
import dev.distillery.model.EncoderNames;
import dev.distillery.model.bert.BertFamily;
import dev.distillery.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the weights of a BERT encoder from an ONNX graph exported by {@code torch.onnx.export}
 * of a Hugging Face {@code BertModel} (or a model wrapping one under {@code bert.}).
 *
 * <p>The exporter keeps state-dict names for biases, embeddings and LayerNorm parameters, but
 * folds each {@code nn.Linear} into {@code MatMul(x, Wᵀ)} followed by {@code Add(b, ·)} and stores
 * Wᵀ as an anonymous {@code onnx::MatMul_N} initializer of shape [in, out]. Each such weight is
 * named after the bias its product is added to (cross-checked against the node's scope name such
 * as {@code /encoder/layer.0/attention/self/query/MatMul}) and transposed back to [out, in].
 * Sizes come from tensor shapes; the head count from the constant target shape of the attention
 * {@code Reshape} to [batch, seq, heads, headSize]; the LayerNorm epsilon from a
 * {@code LayerNormalization} attribute or, in a decomposed LayerNorm (opset &lt; 17), from the
 * constant added to the variance before {@code Sqrt}.
 *
 * <p>Spec: ONNX IR, <a href="https://onnx.ai/onnx/repo-docs/IR.html">onnx.ai/onnx/repo-docs/IR.html</a>.
 */
public final class BertOnnxImporter {
    /** ONNX keeps no training configuration; 0.1 is BERT's default and MiniLM's config.json value. */
    private static final float DEFAULT_DROPOUT = 0.1f;
    /** The default of the {@code LayerNormalization} operator's {@code epsilon} attribute. */
    private static final float ONNX_LAYER_NORM_DEFAULT_EPS = 1e-5f;
    /** The BERT family's tensor names, which a {@code BertModel} export keeps for its parameters. */
    private static final EncoderNames NAMES = BertFamily.NAMES;
    private static final Pattern LAYER_INDEX = Pattern.compile("^" + Pattern.quote(NAMES.layers()) + "(\\d+)\\.");
    private static final Pattern SCOPED_MATMUL = Pattern.compile("^/(.+)/MatMul(_\\d+)?$");

    private final OnnxGraph graph;
    private final String source;
    private String prefix;
    private final Map<String, Tensor> weights = new TreeMap<>();
    /** Canonical linear weight name → the graph value holding x·Wᵀ + b. */
    private final Map<String, String> linearOutputs = new HashMap<>();
    /** Canonical name → initializer it came from, for error messages. */
    private final Map<String, String> origins = new HashMap<>();

    private BertOnnxImporter(OnnxGraph graph) {
        this.graph = graph;
        this.source = graph.source();
    }

    public static ImportedEncoder read(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            return read(in, file.toString());
        }
    }

    /** Reads a whole ONNX model from {@code in}; {@code source} names it in error messages. */
    public static ImportedEncoder read(InputStream in, String source) throws IOException {
        ModelProto model;
        try {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            // Models exceed protobuf's historical 64 MiB default limit.
            coded.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxImportException(source + " is not a readable ONNX model: " + e.getMessage(), e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new OnnxImportException(source + " holds no ONNX graph; expected a model exported by torch.onnx.export");
        }
        return fromModel(model, source);
    }

    /** Imports from an already parsed model; {@code source} names it in error messages. */
    public static ImportedEncoder fromModel(ModelProto model, String source) throws OnnxImportException {
        return new BertOnnxImporter(new OnnxGraph(model.getGraph(), source)).run();
    }

    private ImportedEncoder run() throws OnnxImportException {
        prefix = detectPrefix();
        Set<String> claimed = new HashSet<>();
        for (NodeProto node : graph.nodes()) {
            if (node.getInputCount() < 2 || !graph.isInitializer(node.getInput(1))) {
                continue;
            }
            switch (node.getOpType()) {
                case "MatMul" -> importMatMul(node);
                case "Gemm" -> importGemm(node);
                default -> {
                    continue;
                }
            }
            claimed.add(node.getInput(1));
        }
        for (TensorProto init : graph.initializers().values()) {
            String name = init.getName();
            if (claimed.contains(name) || NAMES.isBuffer(name)) {
                continue; // position_ids is the buffer arange(maxPositions), not a parameter
            }
            if (!name.endsWith(".weight") && !name.endsWith(".bias")) {
                continue; // a constant folded by the exporter, not a module parameter
            }
            if (!OnnxTensors.isFloat(init)) {
                throw new OnnxImportException(source + ": parameter '" + name + "' is " + OnnxTensors.typeName(init)
                        + "; only FP32 models can be imported (quantize after import instead)");
            }
            put(canonical(name), OnnxTensors.floats(init, source), name);
        }
        EncoderConfig config = deriveConfig();
        checkNames(config);
        return new ImportedEncoder(config, weights);
    }

    private String detectPrefix() throws OnnxImportException {
        for (String candidate : List.of("", NAMES.prefix())) {
            if (graph.isInitializer(candidate + EncoderNames.WORDS + ".weight")) {
                return candidate;
            }
        }
        throw new OnnxImportException(source + ": no initializer 'embeddings.word_embeddings.weight' (or with a 'bert.' "
                + "prefix); expected a BERT model exported from PyTorch with its parameter names");
    }

    private String canonical(String name) {
        return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }

    /** {@code y = MatMul(x, Wᵀ)} then {@code Add(b, y)}: name W after b, transpose to [out, in]. */
    private void importMatMul(NodeProto node) throws OnnxImportException {
        String init = node.getInput(1);
        Tensor wT = OnnxTensors.floats(graph.initializers().get(init), source); // [in, out]
        if (wT.rank() != 2) {
            throw new OnnxImportException(source + ": MatMul weight '" + init + "' has shape " + Arrays.toString(wT.shape())
                    + "; expected [in, out]");
        }
        String product = node.getOutput(0);
        NodeProto biasAdd = null;
        String bias = null;
        for (NodeProto add : graph.consumers(product)) {
            Optional<String> other = OnnxGraph.otherInput(add, product);
            if (add.getOpType().equals("Add") && other.isPresent() && other.get().endsWith(".bias")
                    && graph.isInitializer(other.get())) {
                biasAdd = add;
                bias = other.get();
            }
        }
        String fromBias = bias == null ? null : canonical(bias.substring(0, bias.length() - ".bias".length()) + ".weight");
        Matcher scoped = SCOPED_MATMUL.matcher(node.getName());
        String fromScope = scoped.matches() ? canonical(scoped.group(1).replace('/', '.') + ".weight") : null;
        if (fromBias != null && fromScope != null && !fromBias.equals(fromScope)) {
            throw new OnnxImportException(source + ": MatMul node '" + node.getName() + "' adds bias '" + bias
                    + "', which disagrees with its scope name; expected the bias of " + fromScope);
        }
        String name = fromBias != null ? fromBias : fromScope;
        if (name == null) {
            throw new OnnxImportException(source + ": cannot tell which layer MatMul weight '" + init + "' belongs to: node '"
                    + node.getName() + "' feeds no Add with a named bias and has no module scope in its name");
        }
        put(name, transpose(wT), init);
        linearOutputs.put(name, biasAdd != null ? biasAdd.getOutput(0) : product);
    }

    /** {@code Gemm(x, W, b)} with transB=1 already holds W as [out, in] (the pooler, a classifier). */
    private void importGemm(NodeProto node) throws OnnxImportException {
        String init = node.getInput(1);
        if (OnnxGraph.attribute(node, "transA").map(a -> a.getI() != 0).orElse(false)) {
            throw new OnnxImportException(source + ": Gemm node '" + node.getName() + "' transposes its input; "
                    + "expected Gemm(x, W, b) as exported for nn.Linear");
        }
        boolean transB = OnnxGraph.attribute(node, "transB").map(a -> a.getI() != 0).orElse(false);
        Tensor w = OnnxTensors.floats(graph.initializers().get(init), source);
        String name;
        if (init.endsWith(".weight")) {
            name = canonical(init);
        } else if (node.getInputCount() > 2 && node.getInput(2).endsWith(".bias")) {
            String bias = node.getInput(2);
            name = canonical(bias.substring(0, bias.length() - ".bias".length()) + ".weight");
        } else {
            throw new OnnxImportException(source + ": cannot name Gemm weight '" + init + "' of node '" + node.getName()
                    + "': neither it nor its bias carries a parameter name");
        }
        put(name, transB ? w : transpose(w), init);
        linearOutputs.put(name, node.getOutput(0));
    }

    private void put(String name, Tensor t, String origin) throws OnnxImportException {
        String previous = origins.putIfAbsent(name, origin);
        if (previous != null) {
            throw new OnnxImportException(source + ": initializers '" + previous + "' and '" + origin
                    + "' both map to parameter '" + name + "'; expected one tensor per parameter");
        }
        weights.put(name, t);
    }

    private EncoderConfig deriveConfig() throws OnnxImportException {
        Tensor words = require(EncoderNames.WORDS + ".weight", 2);
        int hidden = words.dim(1);
        int layers = 0;
        for (String name : weights.keySet()) {
            Matcher m = LAYER_INDEX.matcher(name);
            if (m.find()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (layers == 0) {
            throw new OnnxImportException(source + ": no 'encoder.layer.N.*' parameters; expected at least one encoder layer");
        }
        int intermediate = require(NAMES.layer("", 0).intermediate() + ".weight", 2).dim(0);
        int maxPositions = require(EncoderNames.POSITIONS + ".weight", 2).dim(0);
        int typeVocab = require(EncoderNames.TYPES + ".weight", 2).dim(0);
        int heads = headCount(hidden);
        float eps = layerNormEps();
        requireExactGelu(layers);
        List<String> labels = new ArrayList<>();
        Tensor classifier = weights.get(NAMES.classifier() + ".weight");
        for (int i = 0; classifier != null && i < classifier.dim(0); i++) {
            labels.add("LABEL_" + i); // Hugging Face's default names; ONNX keeps no id2label
        }
        return new EncoderConfig("bert", words.dim(0), hidden, layers, heads, intermediate, maxPositions, typeVocab,
                eps, DEFAULT_DROPOUT, DEFAULT_DROPOUT, DEFAULT_DROPOUT, labels);
    }

    private Tensor require(String name, int rank) throws OnnxImportException {
        Tensor t = weights.get(name);
        if (t == null || t.rank() != rank) {
            throw new OnnxImportException(source + ": " + (t == null ? "missing parameter '" + name + "'"
                    : "parameter '" + name + "' has shape " + Arrays.toString(t.shape())) + "; expected a rank-" + rank
                    + " tensor of a BERT encoder");
        }
        return t;
    }

    /**
     * Reads heads from the attention's {@code Reshape(query, [batch, seq, heads, headSize])}: the
     * target is either one int64 constant or a {@code Concat} whose last two parts are constants.
     */
    private int headCount(int hidden) throws OnnxImportException {
        String queryName = NAMES.layer("", 0).query() + ".weight";
        String query = linearOutputs.get(queryName);
        if (query == null) {
            throw new OnnxImportException(source + ": missing parameter '" + queryName + "'");
        }
        for (NodeProto reshape : graph.consumers(query)) {
            if (!reshape.getOpType().equals("Reshape")) {
                continue;
            }
            long[] tail = shapeTail(reshape.getInput(1));
            if (tail == null) {
                continue;
            }
            long heads = tail[0] > 0 ? tail[0] : hidden / tail[1];
            long headSize = tail[1] > 0 ? tail[1] : hidden / tail[0];
            if (heads > 0 && heads * headSize == hidden) {
                return (int) heads;
            }
            throw new OnnxImportException(source + ": attention Reshape '" + reshape.getName() + "' splits hidden size "
                    + hidden + " into " + heads + " heads of " + headSize + "; expected heads × headSize = hidden");
        }
        throw new OnnxImportException(source + ": cannot find the head count: the query projection of layer 0 is not "
                + "reshaped to [batch, seq, heads, headSize] by a constant shape");
    }

    private long[] shapeTail(String shape) throws OnnxImportException {
        Optional<long[]> direct = graph.int64s(shape);
        if (direct.isPresent()) {
            long[] s = direct.get();
            return s.length == 4 ? new long[] {s[2], s[3]} : null;
        }
        Optional<NodeProto> concat = graph.producer(shape).filter(n -> n.getOpType().equals("Concat"));
        if (concat.isEmpty() || concat.get().getInputCount() != 4) {
            return null;
        }
        Optional<long[]> heads = graph.int64s(concat.get().getInput(2));
        Optional<long[]> headSize = graph.int64s(concat.get().getInput(3));
        if (heads.isEmpty() || headSize.isEmpty() || heads.get().length != 1 || headSize.get().length != 1) {
            return null;
        }
        return new long[] {heads.get()[0], headSize.get()[0]};
    }

    /** The epsilon of every LayerNorm, which must agree because EncoderConfig holds one. */
    private float layerNormEps() throws OnnxImportException {
        Map<String, Float> found = new LinkedHashMap<>();
        for (String name : weights.keySet()) {
            if (name.endsWith("LayerNorm.weight")) {
                found.put(name, layerNormEps(origins.get(name)));
            }
        }
        if (found.isEmpty()) {
            throw new OnnxImportException(source + ": no LayerNorm parameters; expected 'embeddings.LayerNorm.weight'");
        }
        float eps = found.values().iterator().next();
        for (Map.Entry<String, Float> e : found.entrySet()) {
            if (e.getValue() != eps) {
                throw new OnnxImportException(source + ": LayerNorm '" + e.getKey() + "' uses epsilon " + e.getValue()
                        + " but others use " + eps + "; expected one epsilon for the whole encoder");
            }
        }
        return eps;
    }

    /**
     * A fused {@code LayerNormalization} carries the epsilon as an attribute; the opset-14 export
     * computes {@code (x − mean) / Sqrt(var + eps) · γ + β}, so eps is the constant in the
     * {@code Add} under the {@code Sqrt} that divides before the multiply by γ.
     */
    private float layerNormEps(String gamma) throws OnnxImportException {
        for (NodeProto node : graph.consumers(gamma)) {
            if (node.getOpType().equals("LayerNormalization")) {
                return OnnxGraph.attribute(node, "epsilon").map(a -> a.getF()).orElse(ONNX_LAYER_NORM_DEFAULT_EPS);
            }
            if (!node.getOpType().equals("Mul")) {
                continue;
            }
            Optional<NodeProto> div = OnnxGraph.otherInput(node, gamma).flatMap(graph::producer)
                    .filter(n -> n.getOpType().equals("Div"));
            Optional<NodeProto> sqrt = div.flatMap(d -> graph.producer(d.getInput(1)))
                    .filter(n -> n.getOpType().equals("Sqrt"));
            Optional<NodeProto> add = sqrt.flatMap(s -> graph.producer(s.getInput(0)))
                    .filter(n -> n.getOpType().equals("Add") && n.getInputCount() == 2);
            if (add.isPresent()) {
                for (String in : add.get().getInputList()) {
                    Optional<Float> eps = graph.scalarFloat(in);
                    if (eps.isPresent()) {
                        return eps.get();
                    }
                }
            }
        }
        throw new OnnxImportException(source + ": cannot find the epsilon of LayerNorm '" + gamma + "': expected a "
                + "LayerNormalization node or Mul(Div(x − mean, Sqrt(var + eps)), γ)");
    }

    /** BERT's GELU is the exact erf form; a tanh-approximated export would not match our forward pass. */
    private void requireExactGelu(int layers) throws OnnxImportException {
        long erf = graph.nodes().stream().filter(n -> n.getOpType().equals("Erf") || n.getOpType().equals("Gelu")).count();
        if (erf < layers) {
            throw new OnnxImportException(source + ": found " + erf + " Erf/Gelu nodes for " + layers + " layers; "
                    + "expected the exact (erf) GELU in every intermediate layer");
        }
    }

    /** Checks every BERT parameter is present with its shape, and nothing unknown came along. */
    private void checkNames(EncoderConfig c) throws OnnxImportException {
        // the BERT table always names the pooler and names the classifier with labels; an export may lack the pooler
        String pooler = NAMES.bare(NAMES.headDense());
        boolean withPooler = weights.containsKey(pooler + ".weight") || weights.containsKey(pooler + ".bias");
        boolean withClassifier = c.numLabels() > 0 || weights.containsKey(NAMES.classifier() + ".bias");
        Map<String, int[]> expected = new LinkedHashMap<>();
        NAMES.shapes(c).forEach((name, shape) -> {
            String bare = NAMES.bare(name);
            boolean head = bare.startsWith(pooler + ".") ? !withPooler
                    : bare.startsWith(NAMES.classifier() + ".") && !withClassifier;
            if (!head) {
                expected.put(bare, shape);
            }
        });
        if (withClassifier && c.numLabels() == 0) {
            expected.put(NAMES.classifier() + ".weight", new int[] {0, c.hiddenSize()});
            expected.put(NAMES.classifier() + ".bias", new int[] {0});
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            Tensor t = weights.get(e.getKey());
            if (t == null) {
                problems.add("missing '" + e.getKey() + "'");
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                problems.add("'" + e.getKey() + "' has shape " + Arrays.toString(t.shape()) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String name : weights.keySet()) {
            if (!expected.containsKey(name)) {
                problems.add("unexpected parameter '" + name + "' (from initializer '" + origins.get(name) + "')");
            }
        }
        if (!problems.isEmpty()) {
            throw new OnnxImportException(source + " is not the BERT encoder its shapes suggest (" + c.numLayers()
                    + " layers, hidden " + c.hiddenSize() + "): " + String.join("; ", problems));
        }
    }

    private static Tensor transpose(Tensor t) {
        int rows = t.dim(0);
        int cols = t.dim(1);
        float[] in = t.data(); // [rows, cols]
        float[] out = new float[in.length]; // [cols, rows]
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = in[r * cols + c];
            }
        }
        return Tensor.of(out, cols, rows);
    }
}
