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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one ONNX graph node by node: fresh value names, initializers (raw little-endian bytes, as
 * the ONNX spec stores {@code raw_data} on every platform), shared scalar constants, and the opset
 * each operator needs, so the model imports the lowest default-domain opset that holds all of them
 * and the {@code com.microsoft} domain only when a contrib operator is used.
 */
final class GraphWriter {
    /** ONNX Runtime's contrib operators (MatMulNBits, MatMulBnb4). */
    static final String MICROSOFT = "com.microsoft";

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, String> constants = new HashMap<>(); // value → initializer name
    private int counter;
    private int opset;
    private boolean microsoft;

    /** @param opset the lowest default-domain opset the graph may import */
    GraphWriter(String name, int opset) {
        graph.setName(name);
        this.opset = opset;
    }

    /** Raises the default-domain opset to at least {@code version} (an operator or attribute introduced there). */
    void requireOpset(int version) {
        opset = Math.max(opset, version);
    }

    int opset() {
        return opset;
    }

    void addInput(ValueInfoProto input) {
        graph.addInput(input);
    }

    void addOutput(ValueInfoProto output) {
        graph.addOutput(output);
    }

    /**
     * The model around the graph. Opset 21 (blocked DequantizeLinear) belongs to ONNX IR version 10;
     * lower opsets are written with IR version 8, which every ONNX Runtime since 1.14 reads.
     */
    ModelProto model() {
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(opset >= 21 ? 10 : 8)
                .setProducerName("distillery")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
        if (microsoft) {
            model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MICROSOFT).setVersion(1));
        }
        return model.setGraph(graph).build();
    }

    /** A default-domain node with one fresh output. */
    String node(String op, List<String> inputs, AttributeProto... attributes) {
        return node(op, inputs, op.toLowerCase() + "_" + counter++, attributes);
    }

    /** A default-domain node whose one output is {@code output}. */
    String node(String op, List<String> inputs, String output, AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output)
                .addAllAttribute(List.of(attributes)));
        return output;
    }

    /** A {@code com.microsoft} contrib node with one fresh output. */
    String contribNode(String op, List<String> inputs, AttributeProto... attributes) {
        microsoft = true;
        String output = op.toLowerCase() + "_" + counter++;
        graph.addNode(NodeProto.newBuilder().setOpType(op).setDomain(MICROSOFT).setName(output).addAllInput(inputs)
                .addOutput(output).addAllAttribute(List.of(attributes)));
        return output;
    }

    /** A node with several fresh outputs (DynamicQuantizeLinear's y, y_scale, y_zero_point). */
    List<String> multiNode(String op, List<String> inputs, int outputs) {
        String stem = op.toLowerCase() + "_" + counter++;
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(stem).addAllInput(inputs);
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            names.add(stem + "_" + i);
            node.addOutput(stem + "_" + i);
        }
        graph.addNode(node);
        return names;
    }

    String floats(String name, float[] data, long... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        return raw(name, TensorProto.DataType.FLOAT, bytes.array(), dims);
    }

    /** An INT8 initializer holding {@code data} as it is. */
    String int8s(String name, byte[] data, long... dims) {
        return raw(name, TensorProto.DataType.INT8, data, dims);
    }

    /** A UINT8 initializer holding {@code data} as it is. */
    String uint8s(String name, byte[] data, long... dims) {
        return raw(name, TensorProto.DataType.UINT8, data, dims);
    }

    private String raw(String name, TensorProto.DataType type, byte[] data, long... dims) {
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .addAllDims(Arrays.stream(dims).boxed().toList()).setRawData(ByteString.copyFrom(data)));
        return name;
    }

    /** A float scalar initializer, written once however many nodes use it. */
    String scalarFloat(float value) {
        return constants.computeIfAbsent("f" + Float.floatToRawIntBits(value), k -> constant(TensorProto.newBuilder()
                .setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(value)));
    }

    String scalarLong(long value) {
        return constants.computeIfAbsent("l" + value, k -> constant(TensorProto.newBuilder()
                .setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(value)));
    }

    String scalarInt(int value) {
        return constants.computeIfAbsent("i" + value, k -> constant(TensorProto.newBuilder()
                .setDataType(TensorProto.DataType.INT32_VALUE).addInt32Data(value)));
    }

    /** A 1-D int64 initializer (shapes, axes). */
    String longs(long... values) {
        return constants.computeIfAbsent("v" + Arrays.toString(values), k -> constant(TensorProto.newBuilder()
                .setDataType(TensorProto.DataType.INT64_VALUE).addDims(values.length)
                .addAllInt64Data(Arrays.stream(values).boxed().toList())));
    }

    /** A constant float table written once under {@code name}. */
    String sharedFloats(String name, float[] values) {
        return constants.computeIfAbsent("t" + name, k -> floats(name, values, values.length));
    }

    private String constant(TensorProto.Builder tensor) {
        String name = "const_" + counter++;
        graph.addInitializer(tensor.setName(name));
        return name;
    }

    static AttributeProto attrInt(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attrFloat(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto attrInts(String name, long... values) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
                .addAllInts(Arrays.stream(values).boxed().toList()).build();
    }

    /** Dimensions are a String (symbolic) or an Integer (fixed). */
    static ValueInfoProto tensorInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            shape.addDim(d instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue((Integer) d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
    }
}
