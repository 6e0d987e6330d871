package dev.distillery.quant;

import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.RowTable;
import dev.distillery.kernel.lowbit.QuantizedWeights;
import dev.distillery.model.WeightMismatchException;
import dev.distillery.model.WeightSource;
import dev.distillery.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Hands {@link dev.distillery.model.SequenceClassifier#fromWeights} each weight in the form it is
 * stored: quantized matrices become the low-bit kernels' weights (which keep only packed codes and
 * scales; an embedding table of them decodes rows on gather), FP16/BF16 ones are widened to FP32
 * (storage formats), and dense tensors are used as they are. No quantized weight is ever expanded
 * to a full FP32 copy; NF4 with double quantization has only its block absmaxes (1/64 of the
 * weights) decoded to floats.
 */
public final class QuantizedWeightSource implements WeightSource {
    private final Map<String, Tensor> dense;
    private final Map<String, QuantizedTensor> quantized;
    /** One kernel weight per quantized tensor, so a matrix read both as a table and a weight (a tied output layer) is held once. */
    private final Map<String, LinearWeight> packed = new java.util.HashMap<>();

    /** Both maps by canonical Hugging Face name; a name must be in one of them. */
    public QuantizedWeightSource(Map<String, Tensor> dense, Map<String, QuantizedTensor> quantized) {
        this.dense = dense;
        this.quantized = quantized;
    }

    @Override
    public LinearWeight linear(String name, int out, int in) {
        QuantizedTensor q = quantized.get(name);
        if (q == null) {
            return LinearWeight.fp32(get(name, out, in).data(), out, in);
        }
        check(q, name, out, in);
        return q instanceof HalfTensor h ? LinearWeight.fp32(h.dequantize(), out, in) : packed(name, q);
    }

    @Override
    public float[] vector(String name, int length) {
        return get(name, length).data();
    }

    @Override
    public RowTable table(String name, int rows, int width) {
        QuantizedTensor q = quantized.get(name);
        if (q == null) {
            return RowTable.fp32(get(name, rows, width).data(), rows, width);
        }
        check(q, name, rows, width);
        return q instanceof HalfTensor h ? RowTable.fp32(h.dequantize(), rows, width) : (RowTable) packed(name, q);
    }

    private synchronized LinearWeight packed(String name, QuantizedTensor q) {
        return packed.computeIfAbsent(name, n -> blocked(q));
    }

    /** The low-bit kernel weight over {@code q}'s canonical arrays. */
    public static LinearWeight blocked(QuantizedTensor q) {
        int out = q.rows();
        int in = q.cols();
        return switch (q) {
            case Int8Tensor t -> QuantizedWeights.int8Affine(t.codes(), t.scale(), t.zeroPoint(), out, in);
            case Int8ChannelTensor t -> QuantizedWeights.int8Channel(t.codes(), t.scales(), out, in);
            case Q8_0Tensor t -> QuantizedWeights.q8_0(t.blocks(), out, in);
            case Q4_0Tensor t -> QuantizedWeights.q4_0(t.blocks(), out, in);
            case Nf4Tensor t -> QuantizedWeights.nf4(t.packed(), t.absmax(), Nf4.table(), out, in);
            case Nf4DqTensor t -> QuantizedWeights.nf4(t.packed(), t.restoredAbsmax(), Nf4.table(), out, in);
            case HalfTensor t -> LinearWeight.fp32(t.dequantize(), out, in);
        };
    }

    private static void check(QuantizedTensor q, String name, int rows, int cols) {
        if (q.rows() != rows || q.cols() != cols) {
            throw new WeightMismatchException("quantized weights", List.of(), List.of(),
                    List.of(name + " is [" + q.rows() + ", " + q.cols() + "], expected [" + rows + ", " + cols + "]"));
        }
    }

    private Tensor get(String name, int... shape) {
        Tensor t = dense.get(name);
        if (t == null) {
            throw new WeightMismatchException("quantized checkpoint", List.of(name), List.of(), List.of());
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new WeightMismatchException("quantized checkpoint", List.of(), List.of(),
                    List.of(name + " is " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape)));
        }
        return t;
    }
}
