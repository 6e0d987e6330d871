package dev.distillery.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedTensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each quantized weight as ONNX Runtime 1.20 computes with it, one operator at a time: with float
 * activations the product sees exactly the floats Distillery's reference dequantization gives (fed
 * the identity matrix, x·Wᵀ is Wᵀ, one exact product per output), gathered embedding rows are the
 * row decoder's floats, and with 8-bit activations the result stays within the rounding of the
 * activations.
 */
class QuantizedOnnxOpsTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private static final String[] SCHEMES = {"int8", "int8-channel", "q8_0", "q4_0", "nf4", "nf4-dq"};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"int8", "int8-channel", "q8_0", "q4_0", "nf4", "nf4-dq"})
    void productSeesTheFolderWeightsBitForBit(String scheme) throws Exception {
        QuantizedTensor q = quantized(scheme, 5);
        int out = q.rows();
        int in = q.cols();
        float[] identity = new float[in * in];
        for (int j = 0; j < in; j++) {
            identity[j * in + j] = 1f;
        }
        float[] product = runProduct(q, ActivationPrecision.FP32, identity, in); // [in, out] = Wᵀ
        float[] w = q.dequantize(); // [out, in]
        for (int j = 0; j < in; j++) {
            for (int o = 0; o < out; o++) {
                // == so that 0 and −0 (a zero code) agree; any other difference is a different weight
                assertTrue(product[j * out + o] == w[o * in + j], scheme + " weight [" + o + ", " + j + "]: ONNX Runtime "
                        + product[j * out + o] + ", Distillery " + w[o * in + j]);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"int8", "int8-channel", "q8_0", "q4_0", "nf4", "nf4-dq"})
    void gatheredRowsAreTheRowDecodersFloats(String scheme) throws Exception {
        QuantizedTensor q = quantized(scheme, 6);
        int rows = q.rows();
        int width = q.cols();
        long[] ids = new long[2 * rows]; // [2, rows]: every row, forwards then backwards
        for (int r = 0; r < rows; r++) {
            ids[r] = r;
            ids[rows + r] = rows - 1 - r;
        }
        GraphWriter g = new GraphWriter("gather", BertOnnxExporter.OPSET);
        g.addInput(GraphWriter.tensorInfo("ids", TensorProto.DataType.INT64, 2, rows));
        g.node("Identity", List.of(new QuantizedOnnxOps(g, ActivationPrecision.FP32).gather("table", q, "ids")), "y");
        g.addOutput(GraphWriter.tensorInfo("y", TensorProto.DataType.FLOAT, 2, rows, width));
        float[] gathered;
        try (OrtSession session = ENV.createSession(g.model().toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(ENV, LongBuffer.wrap(ids), new long[] {2, rows});
             OrtSession.Result r = session.run(Map.of("ids", t))) {
            gathered = floats((OnnxTensor) r.get(0));
        }
        float[] row = new float[width];
        for (int i = 0; i < ids.length; i++) {
            q.dequantizeRow((int) ids[i], row, 0);
            for (int j = 0; j < width; j++) {
                assertTrue(gathered[i * width + j] == row[j], scheme + " row " + ids[i] + ", column " + j
                        + ": ONNX Runtime " + gathered[i * width + j] + ", Distillery " + row[j]);
            }
        }
    }

    /**
     * DynamicQuantizeLinear → MatMulInteger on INT8 weights against the ONNX spec's arithmetic done
     * here in double: x_scale = (max(x, 0) − min(x, 0))/255, x_zp = round(−min/x_scale), q_x =
     * clamp(round(x/x_scale) + x_zp, 0, 255); y = Σ (q_x − x_zp)·ŵ · x_scale. ONNX Runtime sums the
     * integer products exactly and scales once, so only float rounding of the scales (a few ulps)
     * separates the two: rtol 1e-5.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"int8", "int8-channel"})
    void int8ActivationsAreTheSpecsDynamicQuantization(String scheme) throws Exception {
        // On CPUs without VNNI, ONNX Runtime's u8s8 kernel adds the products of adjacent inputs (2i, 2i + 1)
        // in int16 with saturation (its documented reason for 7-bit weights there). Zero odd columns and a
        // range symmetric about 0 (so the per-tensor zero point is 128, code 0 after the shift) keep every
        // pair within int16, so the comparison below holds on every CPU.
        int out = 11;
        int in = 38;
        float[] w = gaussian(out * in, 7, 0.05f);
        for (int o = 0; o < out; o++) {
            for (int j = 1; j < in; j += 2) {
                w[o * in + j] = 0f;
            }
        }
        w[0] = 0.5f; // ten standard deviations: the range is exactly [−0.5, 0.5]
        w[2] = -0.5f;
        QuantizedTensor q = QuantScheme.fromId(scheme).quantize(w, out, in);
        int m = 9;
        float[] x = gaussian(m * in, 8, 1f);
        float[] ours = runProduct(q, ActivationPrecision.INT8, x, m);
        double[] reference = dynamicReference(x, m, q);
        for (int i = 0; i < m * out; i++) {
            assertEquals(reference[i], ours[i], 1e-5 * Math.abs(reference[i]) + 1e-6, scheme + " output " + i);
        }
    }

    /**
     * MatMulNBits at accuracy level 4 quantizes each 32-value block of x to int8 with its own scale
     * (absmax/127), so an input moves by at most absmax/254: each output stays within
     * Σ_blocks (absmax_b/254)·Σ|ŵ| of the exact product (plus float rounding).
     */
    @org.junit.jupiter.api.Test
    void q4_0WithInt8ActivationsStaysWithinTheActivationRounding() throws Exception {
        QuantizedTensor q = quantized("q4_0", 9);
        int out = q.rows();
        int in = q.cols();
        int m = 5;
        float[] x = gaussian(m * in, 10, 1f);
        float[] ours = runProduct(q, ActivationPrecision.INT8, x, m);
        float[] w = q.dequantize();
        boolean moved = false;
        for (int r = 0; r < m; r++) {
            for (int o = 0; o < out; o++) {
                double exact = 0;
                double bound = 1e-5;
                for (int b = 0; b < in / 32; b++) {
                    double absmax = 0;
                    double weights = 0;
                    for (int j = b * 32; j < b * 32 + 32; j++) {
                        exact += (double) x[r * in + j] * w[o * in + j];
                        absmax = Math.max(absmax, Math.abs(x[r * in + j]));
                        weights += Math.abs(w[o * in + j]);
                    }
                    bound += absmax / 254 * weights * 1.001;
                }
                double got = ours[r * out + o];
                assertTrue(Math.abs(got - exact) <= bound, "output [" + r + ", " + o + "] " + got + " vs exact " + exact
                        + ": beyond the activation rounding " + bound);
                moved |= Math.abs(got - exact) > 1e-5 * Math.abs(exact);
            }
        }
        assertTrue(moved, "accuracy level 4 left every output exact: it did not quantize the activations");
    }

    /** x [m, in] through the product node alone: [m, out]. */
    private static float[] runProduct(QuantizedTensor q, ActivationPrecision activations, float[] x, int m)
            throws Exception {
        GraphWriter g = new GraphWriter("product", BertOnnxExporter.OPSET);
        g.addInput(GraphWriter.tensorInfo("x", TensorProto.DataType.FLOAT, m, q.cols()));
        g.node("Identity", List.of(new QuantizedOnnxOps(g, activations).product("x", "w", q)), "y");
        g.addOutput(GraphWriter.tensorInfo("y", TensorProto.DataType.FLOAT, m, q.rows()));
        try (OrtSession session = ENV.createSession(g.model().toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[] {m, q.cols()});
             OrtSession.Result r = session.run(Map.of("x", t))) {
            return floats((OnnxTensor) r.get(0));
        }
    }

    static double[] dynamicReference(float[] x, int m, QuantizedTensor q) {
        int in = q.cols();
        int out = q.rows();
        float lo = 0f;
        float hi = 0f;
        for (float v : x) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float scale = (hi - lo) / 255f;
        int zeroPoint = (int) Math.max(0, Math.min(255, Math.rint(-lo / scale)));
        float[] w = q.dequantize();
        double[] y = new double[m * out];
        for (int r = 0; r < m; r++) {
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int j = 0; j < in; j++) {
                    int code = (int) Math.max(0, Math.min(255, Math.rint(x[r * in + j] / scale) + zeroPoint));
                    sum += (double) (code - zeroPoint) * w[o * in + j];
                }
                y[r * out + o] = sum * scale;
            }
        }
        return y;
    }

    /**
     * A seeded Gaussian matrix with outliers, quantized. Shapes are awkward on purpose: odd sizes for
     * the formats that take any (NF4 blocks then cross rows, the element count is odd), whole
     * 32-blocks of more than one per row for ggml's.
     */
    static QuantizedTensor quantized(String scheme, long seed) {
        QuantScheme s = QuantScheme.fromId(scheme);
        boolean ggml = s == QuantScheme.Q8_0 || s == QuantScheme.Q4_0;
        int rows = ggml ? 24 : 13;
        int cols = ggml ? 96 : 37;
        float[] w = gaussian(rows * cols, seed, 0.05f);
        w[3] = 0.9f;
        w[rows * cols / 2] = -0.7f;
        return s.quantize(w, rows, cols);
    }

    static float[] gaussian(int n, long seed, float sigma) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = rng.nextDouble();
            double u2 = rng.nextDouble();
            v[i] = (float) (sigma * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }

    private static float[] floats(OnnxTensor t) {
        FloatBuffer b = t.getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }
}
