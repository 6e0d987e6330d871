package dev.distillery.onnx;

import java.util.Arrays;
import java.util.Locale;

/**
 * What the inputs of a quantized weight's product are in an ONNX export. Weights are the folder's
 * codes and scales either way; this chooses only how ONNX Runtime treats the activations.
 */
public enum ActivationPrecision {
    /**
     * Activations stay float32, as in Distillery: the product sees exactly the weights Distillery
     * computes with (DequantizeLinear, MatMulNBits at accuracy level 0, MatMulBnb4), so the two
     * runtimes differ only in summation order.
     */
    FP32("fp32"),
    /**
     * Activations quantized on the fly to 8 bits where ONNX Runtime has an integer kernel for the
     * weight's format: INT8 weights as DynamicQuantizeLinear → MatMulInteger (fused by ONNX Runtime
     * into DynamicQuantizeMatMul), Q4_0 as MatMulNBits at accuracy level 4. Faster on CPUs with
     * integer dot products, but a different model: logits move by the activations' rounding. Q8_0 and
     * NF4 have no such kernel and stay as {@link #FP32}.
     */
    INT8("int8");

    private final String id;

    ActivationPrecision(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static ActivationPrecision fromId(String id) {
        for (ActivationPrecision p : values()) {
            if (p.id.equals(id.strip().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown activation precision '" + id + "'; expected one of "
                + Arrays.stream(values()).map(ActivationPrecision::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
