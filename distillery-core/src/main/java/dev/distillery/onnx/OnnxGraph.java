package dev.distillery.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read-only index over an ONNX graph: initializers by name, and for each value the node that
 * produces it and the nodes that consume it, so importers can walk edges in either direction.
 */
final class OnnxGraph {
    private final String source;
    private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final List<NodeProto> nodes;

    OnnxGraph(GraphProto graph, String source) {
        this.source = source;
        this.nodes = graph.getNodeList();
        for (TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        for (NodeProto node : nodes) {
            for (String out : node.getOutputList()) {
                producers.put(out, node);
            }
            for (String in : node.getInputList()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(node);
            }
        }
    }

    String source() {
        return source;
    }

    List<NodeProto> nodes() {
        return nodes;
    }

    Map<String, TensorProto> initializers() {
        return initializers;
    }

    boolean isInitializer(String value) {
        return initializers.containsKey(value);
    }

    Optional<NodeProto> producer(String value) {
        return Optional.ofNullable(producers.get(value));
    }

    List<NodeProto> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /** The single consumer of {@code value} with operator {@code opType}, if exactly one exists. */
    Optional<NodeProto> consumer(String value, String opType) {
        List<NodeProto> matching = consumers(value).stream().filter(n -> n.getOpType().equals(opType)).toList();
        return matching.size() == 1 ? Optional.of(matching.get(0)) : Optional.empty();
    }

    /**
     * The constant tensor behind {@code value}: an initializer, or the {@code value} attribute of a
     * {@code Constant} node. Empty when the value is computed at run time.
     */
    Optional<TensorProto> constant(String value) {
        TensorProto init = initializers.get(value);
        if (init != null) {
            return Optional.of(init);
        }
        NodeProto node = producers.get(value);
        if (node == null || !node.getOpType().equals("Constant")) {
            return Optional.empty();
        }
        return attribute(node, "value").filter(AttributeProto::hasT).map(AttributeProto::getT);
    }

    /** A single float constant (a scalar or one-element tensor), if {@code value} is one. */
    Optional<Float> scalarFloat(String value) throws OnnxImportException {
        Optional<TensorProto> t = constant(value);
        if (t.isEmpty() || !OnnxTensors.isFloat(t.get())) {
            return Optional.empty();
        }
        float[] data = OnnxTensors.floats(t.get(), source).data();
        return data.length == 1 ? Optional.of(data[0]) : Optional.empty();
    }

    /** An int64 constant's values, if {@code value} is a constant of that type. */
    Optional<long[]> int64s(String value) throws OnnxImportException {
        Optional<TensorProto> t = constant(value);
        if (t.isEmpty() || t.get().getDataType() != TensorProto.DataType.INT64.getNumber()) {
            return Optional.empty();
        }
        return Optional.of(OnnxTensors.longs(t.get(), source));
    }

    static Optional<AttributeProto> attribute(NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst();
    }

    /** The input of a two-input node that is not {@code known}, or empty if neither input is. */
    static Optional<String> otherInput(NodeProto node, String known) {
        if (node.getInputCount() != 2) {
            return Optional.empty();
        }
        if (node.getInput(0).equals(known)) {
            return Optional.of(node.getInput(1));
        }
        if (node.getInput(1).equals(known)) {
            return Optional.of(node.getInput(0));
        }
        return Optional.empty();
    }
}
