package dev.distillery.bench;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * ONNX Runtime's MatMul on one shape, the peer of {@code bench --gemm}: a graph of a single
 * MatMul node, {@code c[m×n] = a[m×k] · b[k×n]}, with b a constant initializer as a Linear
 * layer's weight would be, so ONNX Runtime may pre-pack it as it does in a model (MLAS does).
 *
 * <p>Life cycle: construct once per shape (the session holds native memory and ORT's threads),
 * {@link #run} any number of times from one thread, then {@link #close}.
 */
public final class OrtMatMul implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final OnnxTensor input;
    private final int m;
    private final int n;

    /**
     * @param a [m × k], the left operand fed on every run
     * @param b [k × n], the constant right operand
     */
    public OrtMatMul(float[] a, float[] b, int m, int k, int n, int threads, boolean allowSpinning)
            throws OrtException {
        if (a.length != (long) m * k || b.length != (long) k * n) {
            throw new IllegalArgumentException("operands of " + a.length + " and " + b.length
                    + " floats do not make a [" + m + "×" + k + "]·[" + k + "×" + n + "] product");
        }
        this.m = m;
        this.n = n;
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
            this.session = env.createSession(model(b, m, k, n), options);
        }
        this.input = OnnxTensor.createTensor(env, FloatBuffer.wrap(a), new long[] {m, k});
    }

    /** The product, copied out as [m × n]. */
    public float[] run() throws OrtException {
        try (OrtSession.Result result = session.run(Map.of("a", input))) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] c = new float[m * n];
            out.get(c);
            return c;
        }
    }

    /** Runs the product and discards it: what is timed. */
    public void runDiscarding() throws OrtException {
        try (OrtSession.Result ignored = session.run(Map.of("a", input))) {
            // the output's native buffer is released with the result
        }
    }

    static byte[] model(float[] b, int m, int k, int n) {
        ByteBuffer bytes = ByteBuffer.allocate(b.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(b);
        GraphProto graph = GraphProto.newBuilder().setName("matmul")
                .addInput(info("a", m, k))
                .addInitializer(TensorProto.newBuilder().setName("b").setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(k).addDims(n).setRawData(ByteString.copyFrom(bytes.array())))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("matmul").addInput("a").addInput("b")
                        .addOutput("c"))
                .addOutput(info("c", m, n))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("distillery-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph).build().toByteArray();
    }

    private static ValueInfoProto info(String name, int rows, int cols) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(rows))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(cols)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    @Override
    public void close() throws OrtException {
        input.close();
        session.close();
    }
}
