package dev.distillery.onnx;

import static dev.distillery.onnx.GraphWriter.attrInt;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.distillery.quant.HalfTensor;
import dev.distillery.quant.Int8ChannelTensor;
import dev.distillery.quant.Int8Tensor;
import dev.distillery.quant.Nf4;
import dev.distillery.quant.Nf4DqTensor;
import dev.distillery.quant.Nf4Tensor;
import dev.distillery.quant.Q4_0Tensor;
import dev.distillery.quant.Q8_0Tensor;
import dev.distillery.quant.QuantScheme;
import dev.distillery.quant.QuantizedTensor;
import java.util.List;

/**
 * Writes quantized weights into an ONNX graph as their own codes and scales, never re-quantized,
 * with the operators that compute on them. For a weight N [out, in] (its Hugging Face name), the
 * initializers (the folder's arrays, re-laid as the operator reads them) and the product x·Wᵀ:
 * <ul>
 *   <li>int8-channel: {@code N.int8_channel} INT8 [in, out] (the codes transposed),
 *       {@code N.int8_channel_scale} FLOAT [out]; DequantizeLinear (axis 1) → MatMul.</li>
 *   <li>int8: {@code N.int8} INT8 [in, out] holding code − 128, {@code N.int8_scale} FLOAT [],
 *       {@code N.int8_zero_point} INT8 [] holding zero point − 128; DequantizeLinear → MatMul.</li>
 *   <li>q8_0: {@code N.q8_0} INT8 [in, out], {@code N.q8_0_scale} FLOAT [in/32, out] (the fp16 block
 *       scales widened, which is exact); DequantizeLinear (axis 0, block_size 32, opset 21) → MatMul.</li>
 *   <li>q4_0: {@code N.q4_0} UINT8 [out, in/32, 16], byte i of a block holding element 2i in its low
 *       nibble and 2i + 1 in its high one, {@code N.q4_0_scale} FLOAT [out·in/32] (fp16 widened), no
 *       zero points; {@code com.microsoft.MatMulNBits} (bits 4, block_size 32), whose default zero
 *       point, 8, is Q4_0's.</li>
 *   <li>nf4, nf4-dq: {@code N} UINT8 [⌈out·in/2⌉], bitsandbytes' bytes as they are (element 2i in the
 *       high nibble), {@code N.absmax} FLOAT [⌈out·in/64⌉] (for nf4-dq the restored absmax,
 *       map[code]·nested + offset in float32, the values Distillery computes with);
 *       {@code com.microsoft.MatMulBnb4} (quant_type 1, block_size 64).</li>
 * </ul>
 * With {@link ActivationPrecision#INT8}, INT8 weights run as DynamicQuantizeLinear(x) → MatMulInteger
 * → Cast → Mul(x_scale·w_scale), the pattern ONNX Runtime fuses into DynamicQuantizeMatMul, and Q4_0
 * as MatMulNBits at accuracy level 4 (int8 activations per block).
 *
 * <p>An embedding table keeps its codes in row order ([rows, width], Q8_0 scales [rows, width/32],
 * Q4_0 codes [rows, width/32, 16] in MatMulNBits' nibble order) and only the gathered rows are
 * decoded, with standard operators, to exactly the floats Distillery's row decoder gives. NF4 blocks
 * run over the flattened table and may cross rows, so NF4 rows are decoded by flat element index.
 * Specs: ONNX DequantizeLinear-13 and -21, DynamicQuantizeLinear-11, MatMulInteger-10; ONNX
 * Runtime's ContribOperators.md for MatMulNBits and MatMulBnb4.
 */
final class QuantizedOnnxOps {
    private final GraphWriter g;
    private final ActivationPrecision activations;

    QuantizedOnnxOps(GraphWriter g, ActivationPrecision activations) {
        this.g = g;
        this.activations = activations;
    }

    /** The operators a weight stored as {@code scheme} runs as, in words, for a command's summary. */
    static String operators(QuantScheme scheme, ActivationPrecision activations) {
        boolean int8 = activations == ActivationPrecision.INT8;
        return switch (scheme) {
            case INT8, INT8_CHANNEL -> int8 ? "DynamicQuantizeLinear → MatMulInteger (ONNX Runtime fuses them into "
                    + "com.microsoft.DynamicQuantizeMatMul)" : "DequantizeLinear → MatMul";
            case Q8_0 -> "DequantizeLinear with block_size 32 (opset 21) → MatMul";
            case Q4_0 -> "com.microsoft.MatMulNBits (bits 4, block_size 32, accuracy level " + (int8 ? 4 : 0) + ")";
            case NF4, NF4_DQ -> "com.microsoft.MatMulBnb4 (NF4, block_size 64)";
            case FP16, BF16 -> "MatMul on the weights widened to FP32";
        };
    }

    /** x [.., in] · Wᵀ for the quantized W [out, in] named {@code name}: [.., out], no bias. */
    String product(String x, String name, QuantizedTensor q) {
        int out = q.rows();
        int in = q.cols();
        boolean int8Activations = activations == ActivationPrecision.INT8;
        return switch (q) {
            case Int8ChannelTensor t -> {
                String codes = g.int8s(name + ".int8_channel", transpose(t.codes(), out, in), in, out);
                String scale = g.floats(name + ".int8_channel_scale", t.scales(), out);
                yield int8Activations ? dynamicProduct(x, codes, scale, null) : g.node("MatMul",
                        List.of(x, g.node("DequantizeLinear", List.of(codes, scale), attrInt("axis", 1))));
            }
            case Int8Tensor t -> {
                String codes = g.int8s(name + ".int8", transpose(signed(t.codes()), out, in), in, out);
                String scale = g.floats(name + ".int8_scale", new float[] {t.scale()});
                String zeroPoint = g.int8s(name + ".int8_zero_point", new byte[] {(byte) (t.zeroPoint() - 128)});
                yield int8Activations ? dynamicProduct(x, codes, scale, zeroPoint)
                        : g.node("MatMul", List.of(x, g.node("DequantizeLinear", List.of(codes, scale, zeroPoint))));
            }
            case Q8_0Tensor t -> {
                g.requireOpset(21); // DequantizeLinear's block_size attribute
                String codes = g.int8s(name + ".q8_0", transpose(q8_0Codes(t), out, in), in, out);
                String scale = g.floats(name + ".q8_0_scale", transpose(blockScales(t), out, in / Q8_0Tensor.BLOCK),
                        in / Q8_0Tensor.BLOCK, out);
                yield g.node("MatMul", List.of(x, g.node("DequantizeLinear", List.of(codes, scale), attrInt("axis", 0),
                        attrInt("block_size", Q8_0Tensor.BLOCK))));
            }
            case Q4_0Tensor t -> {
                int blocks = in / Q4_0Tensor.BLOCK;
                String codes = g.uint8s(name + ".q4_0", nbitsCodes(t), out, blocks, Q4_0Tensor.BLOCK / 2);
                String scale = g.floats(name + ".q4_0_scale", blockScales(t), (long) out * blocks);
                yield g.contribNode("MatMulNBits", List.of(x, codes, scale), attrInt("K", in), attrInt("N", out),
                        attrInt("bits", 4), attrInt("block_size", Q4_0Tensor.BLOCK),
                        attrInt("accuracy_level", int8Activations ? 4 : 0));
            }
            case Nf4Tensor t -> bnb4(x, name, t.packed(), t.absmax(), out, in);
            case Nf4DqTensor t -> bnb4(x, name, t.packed(), t.restoredAbsmax(), out, in);
            case HalfTensor t -> throw new IllegalArgumentException(name + " is " + t.scheme().id()
                    + ", a storage format: widen it to FP32 before export");
        };
    }

    /**
     * The rows of the quantized table {@code name} [rows, width] at {@code ids} (int64 [batch, seq]),
     * decoded: float [batch, seq, width].
     */
    String gather(String name, QuantizedTensor q, String ids) {
        int rows = q.rows();
        int width = q.cols();
        return switch (q) {
            case Int8ChannelTensor t -> {
                String codes = g.int8s(name + ".int8_channel", t.codes(), rows, width);
                String scale = g.floats(name + ".int8_channel_scale", t.scales(), rows);
                String rowScales = lastAxis(g.node("Gather", List.of(scale, ids)));
                yield g.node("Mul", List.of(toFloat(g.node("Gather", List.of(codes, ids))), rowScales));
            }
            case Int8Tensor t -> {
                String codes = g.int8s(name + ".int8", signed(t.codes()), rows, width);
                String scale = g.floats(name + ".int8_scale", new float[] {t.scale()});
                String zeroPoint = g.int8s(name + ".int8_zero_point", new byte[] {(byte) (t.zeroPoint() - 128)});
                yield g.node("DequantizeLinear", List.of(g.node("Gather", List.of(codes, ids)), scale, zeroPoint));
            }
            case Q8_0Tensor t -> {
                int blocks = width / Q8_0Tensor.BLOCK;
                String codes = g.int8s(name + ".q8_0", q8_0Codes(t), rows, width);
                String scale = g.floats(name + ".q8_0_scale", blockScales(t), rows, blocks);
                String blocked = g.node("Reshape", List.of(toFloat(g.node("Gather", List.of(codes, ids))),
                        g.longs(0, 0, blocks, Q8_0Tensor.BLOCK)));
                String scaled = g.node("Mul", List.of(blocked, lastAxis(g.node("Gather", List.of(scale, ids)))));
                yield g.node("Reshape", List.of(scaled, g.longs(0, 0, width)));
            }
            case Q4_0Tensor t -> {
                int blocks = width / Q4_0Tensor.BLOCK;
                String codes = g.uint8s(name + ".q4_0", nbitsCodes(t), rows, blocks, Q4_0Tensor.BLOCK / 2);
                String scale = g.floats(name + ".q4_0_scale", blockScales(t), rows, blocks);
                String bytes = g.node("Cast", List.of(g.node("Gather", List.of(codes, ids))),
                        attrInt("to", TensorProto.DataType.INT32_VALUE)); // [batch, seq, blocks, 16]
                String sixteen = g.scalarInt(16);
                String low = lastAxis(g.node("Mod", List.of(bytes, sixteen)));  // element 2i
                String high = lastAxis(g.node("Div", List.of(bytes, sixteen))); // element 2i + 1
                String pairs = g.node("Concat", List.of(low, high), attrInt("axis", -1)); // [batch, seq, blocks, 16, 2]
                String codes32 = g.node("Reshape", List.of(pairs, g.longs(0, 0, blocks, Q4_0Tensor.BLOCK)));
                String centred = toFloat(g.node("Sub", List.of(codes32, g.scalarInt(8))));
                String scaled = g.node("Mul", List.of(centred, lastAxis(g.node("Gather", List.of(scale, ids)))));
                yield g.node("Reshape", List.of(scaled, g.longs(0, 0, width)));
            }
            case Nf4Tensor t -> nf4Rows(name, t.packed(), t.absmax(), width, ids);
            case Nf4DqTensor t -> nf4Rows(name, t.packed(), t.restoredAbsmax(), width, ids);
            case HalfTensor t -> throw new IllegalArgumentException(name + " is " + t.scheme().id()
                    + ", a storage format: widen it to FP32 before export");
        };
    }

    /**
     * y = (q_x − z_x)·(codes − z_w) · (s_x·s_w) with q_x, s_x, z_x = DynamicQuantizeLinear(x): the
     * graph ONNX Runtime's own quantize_dynamic writes, which its optimizer fuses into one
     * DynamicQuantizeMatMul.
     */
    private String dynamicProduct(String x, String codes, String scale, String zeroPoint) {
        List<String> q = g.multiNode("DynamicQuantizeLinear", List.of(x), 3); // y, y_scale, y_zero_point
        List<String> inputs = zeroPoint == null ? List.of(q.get(0), codes, q.get(2))
                : List.of(q.get(0), codes, q.get(2), zeroPoint);
        String integer = g.node("MatMulInteger", inputs);
        String scales = g.node("Mul", List.of(q.get(1), scale));
        return g.node("Mul", List.of(toFloat(integer), scales));
    }

    private String bnb4(String x, String name, byte[] packed, float[] absmax, int out, int in) {
        String codes = g.uint8s(name, packed, packed.length);
        String scale = g.floats(name + ".absmax", absmax, absmax.length);
        return g.contribNode("MatMulBnb4", List.of(x, codes, scale), attrInt("K", in), attrInt("N", out),
                attrInt("block_size", Nf4Tensor.BLOCK), attrInt("quant_type", 1));
    }

    /**
     * NF4 rows by flat element index e = id·width + j: code = the high nibble of byte e/2 for even e,
     * the low one for odd e; value = NF4[code] · absmax[e / 64].
     */
    private String nf4Rows(String name, byte[] packed, float[] absmax, int width, String ids) {
        String codes = g.uint8s(name, packed, packed.length);
        String scale = g.floats(name + ".absmax", absmax, absmax.length);
        String table = g.sharedFloats("nf4_code_values", Nf4.table());
        long[] columns = new long[width];
        for (int j = 0; j < width; j++) {
            columns[j] = j;
        }
        String rowStart = g.node("Mul", List.of(lastAxis(ids), g.scalarLong(width))); // [batch, seq, 1]
        String flat = g.node("Add", List.of(rowStart, g.longs(columns)));            // [batch, seq, width]
        String pairIndex = g.node("Div", List.of(flat, g.scalarLong(2)));
        String bytes = g.node("Cast", List.of(g.node("Gather", List.of(codes, pairIndex))),
                attrInt("to", TensorProto.DataType.INT64_VALUE));
        String sixteen = g.scalarLong(16);
        String odd = g.node("Mod", List.of(flat, g.scalarLong(2)));
        String even = g.node("Sub", List.of(g.scalarLong(1), odd));
        String code = g.node("Add", List.of(
                g.node("Mul", List.of(g.node("Div", List.of(bytes, sixteen)), even)),
                g.node("Mul", List.of(g.node("Mod", List.of(bytes, sixteen)), odd))));
        String blockScale = g.node("Gather", List.of(scale, g.node("Div", List.of(flat, g.scalarLong(Nf4Tensor.BLOCK)))));
        return g.node("Mul", List.of(g.node("Gather", List.of(table, code)), blockScale));
    }

    private String toFloat(String value) {
        return g.node("Cast", List.of(value), attrInt("to", TensorProto.DataType.FLOAT_VALUE));
    }

    /** {@code value} with a new last axis of 1, to broadcast a per-row or per-block scale. */
    private String lastAxis(String value) {
        return g.node("Unsqueeze", List.of(value, g.longs(-1)));
    }

    /**
     * Unsigned codes c as signed c − 128 (the top bit flipped), with the zero point moved alike, so
     * (c − 128) − (z − 128) = c − z exactly: ONNX Runtime's integer kernels multiply unsigned
     * activations by signed weights with VNNI, but unsigned by unsigned only by widening.
     */
    static byte[] signed(byte[] unsignedCodes) {
        byte[] s = new byte[unsignedCodes.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (byte) (unsignedCodes[i] ^ 0x80);
        }
        return s;
    }

    /** [rows, cols] bytes → [cols, rows]. */
    static byte[] transpose(byte[] a, int rows, int cols) {
        byte[] t = new byte[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    /** [rows, cols] floats → [cols, rows]. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    /** The signed codes of a Q8_0 matrix in element order, [rows, cols]: each 34-byte block without its scale. */
    static byte[] q8_0Codes(Q8_0Tensor t) {
        int blocks = t.blocks().length / Q8_0Tensor.BLOCK_BYTES;
        byte[] codes = new byte[blocks * Q8_0Tensor.BLOCK];
        for (int b = 0; b < blocks; b++) {
            System.arraycopy(t.blocks(), b * Q8_0Tensor.BLOCK_BYTES + 2, codes, b * Q8_0Tensor.BLOCK, Q8_0Tensor.BLOCK);
        }
        return codes;
    }

    /** The fp16 block scales of a Q8_0 matrix, widened (exactly) to float, [rows, cols/32]. */
    static float[] blockScales(Q8_0Tensor t) {
        float[] scales = new float[t.blocks().length / Q8_0Tensor.BLOCK_BYTES];
        for (int b = 0; b < scales.length; b++) {
            scales[b] = t.scale(b);
        }
        return scales;
    }

    /** The fp16 block scales of a Q4_0 matrix, widened (exactly) to float, [rows, cols/32]. */
    static float[] blockScales(Q4_0Tensor t) {
        float[] scales = new float[t.blocks().length / Q4_0Tensor.BLOCK_BYTES];
        for (int b = 0; b < scales.length; b++) {
            scales[b] = t.scale(b);
        }
        return scales;
    }

    /**
     * Q4_0's codes in MatMulNBits' order, [rows, cols/32, 16]: ggml keeps element j in the low nibble
     * of byte j and element j + 16 in its high nibble; MatMulNBits packs "low-first", element 2i in
     * the low nibble of byte i and 2i + 1 in the high one. Codes are moved, never changed.
     */
    static byte[] nbitsCodes(Q4_0Tensor t) {
        byte[] out = new byte[t.blocks().length / Q4_0Tensor.BLOCK_BYTES * Q4_0Tensor.BLOCK / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (t.code(2 * i) | t.code(2 * i + 1) << 4);
        }
        return out;
    }
}
