package dev.distillery.model;

import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.RowTable;
import dev.distillery.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where {@link ModuleSource#frozen} gets each tensor of a classifier, by its Hugging Face
 * name and expected shape, in the form the holder chose: an FP32 map ({@link #fp32}) or a
 * quantized checkpoint handing out {@code kernel.lowbit} weights. Each method throws
 * {@link WeightMismatchException} naming the tensor when it is absent or of another shape.
 */
public interface WeightSource {
    /** A Linear weight, e.g. {@code bert.encoder.layer.0.attention.self.query.weight}, [out, in]. */
    LinearWeight linear(String name, int out, int in);

    /**
     * Linear weights [outs[i], in] stacked along out in the given order, as one weight (Q, K and
     * V). By default one product per part; a source that can concatenate its format (FP32 does)
     * returns one fused weight instead, which runs as one larger product.
     */
    default LinearWeight stacked(List<String> names, int[] outs, int in) {
        LinearWeight[] parts = new LinearWeight[names.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = linear(names.get(i), outs[i], in);
        }
        return LinearWeight.stack(parts);
    }

    /** A bias or LayerNorm vector of {@code length} entries. */
    float[] vector(String name, int length);

    /** An embedding table [rows, width], gathered row by row. */
    RowTable table(String name, int rows, int width);

    /** FP32 tensors of a Hugging Face weight map, used without copying (linear weights are packed). */
    static WeightSource fp32(Map<String, Tensor> weights) {
        return new WeightSource() {
            @Override
            public LinearWeight linear(String name, int out, int in) {
                return LinearWeight.fp32(get(name, out, in).data(), out, in);
            }

            @Override
            public LinearWeight stacked(List<String> names, int[] outs, int in) {
                int total = java.util.Arrays.stream(outs).sum();
                float[] all = new float[total * in]; // [Σ outs, in]
                int row = 0;
                for (int i = 0; i < names.size(); i++) {
                    System.arraycopy(get(names.get(i), outs[i], in).data(), 0, all, row * in, outs[i] * in);
                    row += outs[i];
                }
                return LinearWeight.fp32(all, total, in);
            }

            @Override
            public float[] vector(String name, int length) {
                return get(name, length).data();
            }

            @Override
            public RowTable table(String name, int rows, int width) {
                return RowTable.fp32(get(name, rows, width).data(), rows, width);
            }

            private Tensor get(String name, int... shape) {
                Tensor t = weights.get(name);
                if (t == null) {
                    throw new WeightMismatchException("FP32 weights", List.of(name), List.of(), List.of());
                }
                if (!Arrays.equals(t.shape(), shape)) {
                    throw new WeightMismatchException("FP32 weights", List.of(), List.of(), List.of(name + " is "
                            + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape)));
                }
                return t;
            }
        };
    }
}
