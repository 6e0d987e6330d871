package dev.distillery.quant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.io.CheckpointFormatException;
import dev.distillery.io.DType;
import dev.distillery.io.RawTensor;
import dev.distillery.io.SafetensorsFile;
import dev.distillery.io.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How each format is stored in {@code model.safetensors}, under the weight's own name N (as the
 * Hugging Face classifier names it, e.g. {@code bert.encoder.layer.0.output.dense.weight}):
 * <ul>
 *   <li>nf4, nf4-dq: bitsandbytes' {@code Params4bit} names: {@code N} U8 [⌈n/2⌉, 1] (packed codes),
 *       {@code N.absmax} F32 [blocks] (nf4) or U8 [blocks] (nf4-dq codes), {@code N.quant_map} F32 [16],
 *       for nf4-dq {@code N.nested_absmax} F32 [⌈blocks/256⌉] and {@code N.nested_quant_map} F32 [256],
 *       and {@code N.quant_state.bitsandbytes__nf4} U8, the UTF-8 bytes of the JSON
 *       {@code {"quant_type": "nf4", "blocksize": 64, "dtype": "float32", "shape": [out, in]}}
 *       (plus {@code "nested_blocksize": 256, "nested_dtype": "float32", "nested_offset": offset});</li>
 *   <li>q8_0, q4_0: {@code N.q8_0} / {@code N.q4_0} U8 [out, in/32 · 34 or 18], the ggml blocks of each row;</li>
 *   <li>int8: {@code N.int8} U8 [out, in], {@code N.int8_scale} F32 [], {@code N.int8_zero_point} I32 [];</li>
 *   <li>int8-channel: {@code N.int8_channel} I8 [out, in], {@code N.int8_channel_scale} F32 [out];</li>
 *   <li>fp16, bf16: {@code N} F16 / BF16 with the weight's shape, as transformers writes half models.</li>
 * </ul>
 * Every array is the canonical one of the format's record, little-endian.
 */
public final class TensorLayout {
    static final String NF4_STATE = ".quant_state.bitsandbytes__nf4";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TensorLayout() {
    }

    /** The tensors that store {@code q}, the weight named {@code name}. */
    public static Map<String, RawTensor> encode(String name, QuantizedTensor q) {
        Map<String, RawTensor> m = new LinkedHashMap<>();
        long rows = q.rows();
        long cols = q.cols();
        switch (q) {
            case Int8Tensor t -> {
                m.put(name + ".int8", new RawTensor(DType.U8, new long[] {rows, cols}, t.codes().clone()));
                m.put(name + ".int8_scale", new RawTensor(DType.F32, new long[0], floats(new float[] {t.scale()})));
                m.put(name + ".int8_zero_point", new RawTensor(DType.I32, new long[0],
                        ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(t.zeroPoint()).array()));
            }
            case Int8ChannelTensor t -> {
                m.put(name + ".int8_channel", new RawTensor(DType.I8, new long[] {rows, cols}, t.codes().clone()));
                m.put(name + ".int8_channel_scale", new RawTensor(DType.F32, new long[] {rows}, floats(t.scales())));
            }
            case Q8_0Tensor t -> m.put(name + ".q8_0", new RawTensor(DType.U8,
                    new long[] {rows, cols / Q8_0Tensor.BLOCK * Q8_0Tensor.BLOCK_BYTES}, t.blocks().clone()));
            case Q4_0Tensor t -> m.put(name + ".q4_0", new RawTensor(DType.U8,
                    new long[] {rows, cols / Q4_0Tensor.BLOCK * Q4_0Tensor.BLOCK_BYTES}, t.blocks().clone()));
            case Nf4Tensor t -> {
                m.put(name, new RawTensor(DType.U8, new long[] {t.packed().length, 1}, t.packed().clone()));
                m.put(name + ".absmax", new RawTensor(DType.F32, new long[] {t.absmax().length}, floats(t.absmax())));
                m.put(name + ".quant_map", new RawTensor(DType.F32, new long[] {16}, floats(Nf4.table())));
                m.put(name + NF4_STATE, state(nf4State(rows, cols, null)));
            }
            case Nf4DqTensor t -> {
                m.put(name, new RawTensor(DType.U8, new long[] {t.packed().length, 1}, t.packed().clone()));
                m.put(name + ".absmax", new RawTensor(DType.U8, new long[] {t.absmaxCodes().length}, t.absmaxCodes().clone()));
                m.put(name + ".quant_map", new RawTensor(DType.F32, new long[] {16}, floats(Nf4.table())));
                m.put(name + ".nested_absmax", new RawTensor(DType.F32, new long[] {t.nestedAbsmax().length},
                        floats(t.nestedAbsmax())));
                m.put(name + ".nested_quant_map", new RawTensor(DType.F32, new long[] {256}, floats(DynamicMap.values())));
                m.put(name + NF4_STATE, state(nf4State(rows, cols, t.offset())));
            }
            case HalfTensor t -> {
                byte[] b = new byte[t.bits().length * 2];
                for (int i = 0; i < t.bits().length; i++) {
                    HalfFloats.putShortLE(b, 2 * i, t.bits()[i]);
                }
                m.put(name, new RawTensor(t.scheme() == QuantScheme.FP16 ? DType.F16 : DType.BF16, new long[] {rows, cols}, b));
            }
        }
        return m;
    }

    /** The JSON bitsandbytes' {@code QuantState.as_dict(packed=True)} writes, keys in its order, Python's separators. */
    static String nf4State(long rows, long cols, Float offset) {
        String s = "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [" + rows + ", " + cols + "]";
        if (offset != null) {
            s += ", \"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": " + (double) offset;
        }
        return s + "}";
    }

    private static RawTensor state(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return new RawTensor(DType.U8, new long[] {b.length}, b);
    }

    static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    /**
     * Reads weight {@code name} of shape [rows, cols] stored as {@code scheme}.
     *
     * @throws CheckpointFormatException naming the file and tensor when a part is missing, of the wrong dtype or
     *                                   shape, or holds values the format cannot have
     */
    public static QuantizedTensor decode(SafetensorsFile st, String name, QuantScheme scheme, int rows, int cols)
            throws CheckpointFormatException {
        Reader r = new Reader(st, name, scheme);
        long n = (long) rows * cols;
        try {
            return switch (scheme) {
                case INT8 -> {
                    byte[] codes = r.bytes(".int8", DType.U8, rows, cols);
                    float scale = r.floats(".int8_scale", DType.F32)[0];
                    int zp = ByteBuffer.wrap(r.bytes(".int8_zero_point", DType.I32)).order(ByteOrder.LITTLE_ENDIAN).getInt();
                    yield new Int8Tensor(rows, cols, codes, scale, zp);
                }
                case INT8_CHANNEL -> new Int8ChannelTensor(rows, cols, r.bytes(".int8_channel", DType.I8, rows, cols),
                        r.finite(r.floats(".int8_channel_scale", DType.F32, rows), ".int8_channel_scale"));
                case Q8_0 -> {
                    byte[] blocks = r.bytes(".q8_0", DType.U8, rows, (long) cols / 32 * Q8_0Tensor.BLOCK_BYTES);
                    r.finiteHalfScales(blocks, Q8_0Tensor.BLOCK_BYTES, ".q8_0");
                    yield new Q8_0Tensor(rows, cols, blocks);
                }
                case Q4_0 -> {
                    byte[] blocks = r.bytes(".q4_0", DType.U8, rows, (long) cols / 32 * Q4_0Tensor.BLOCK_BYTES);
                    r.finiteHalfScales(blocks, Q4_0Tensor.BLOCK_BYTES, ".q4_0");
                    yield new Q4_0Tensor(rows, cols, blocks);
                }
                case NF4, NF4_DQ -> {
                    long blocks = (n + 63) / 64;
                    byte[] packed = r.packed(n);
                    r.sameTable(".quant_map", Nf4.table(), "the NF4 table");
                    Float offset = r.state(rows, cols, scheme == QuantScheme.NF4_DQ);
                    if (scheme == QuantScheme.NF4) {
                        yield new Nf4Tensor(rows, cols, packed, r.finite(r.floats(".absmax", DType.F32, blocks), ".absmax"));
                    }
                    r.sameTable(".nested_quant_map", DynamicMap.values(), "the signed dynamic map");
                    yield new Nf4DqTensor(rows, cols, packed, r.bytes(".absmax", DType.U8, blocks),
                            r.finite(r.floats(".nested_absmax", DType.F32, (blocks + 255) / 256), ".nested_absmax"), offset);
                }
                case FP16, BF16 -> {
                    byte[] b = r.bytes("", scheme == QuantScheme.FP16 ? DType.F16 : DType.BF16, rows, cols);
                    short[] bits = new short[b.length / 2];
                    for (int i = 0; i < bits.length; i++) {
                        bits[i] = HalfFloats.getShortLE(b, 2 * i);
                    }
                    yield new HalfTensor(scheme, rows, cols, bits);
                }
            };
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(st.path() + ": tensor '" + name + "' stored as " + scheme.id() + " is invalid: "
                    + e.getMessage(), e);
        }
    }

    /** Reads the parts of one weight, each failure naming the file, the weight and the part. */
    private record Reader(SafetensorsFile st, String name, QuantScheme scheme) {
        private TensorInfo part(String suffix, DType dtype, long... shape) throws CheckpointFormatException {
            String key = name + suffix;
            if (!st.contains(key)) {
                throw new CheckpointFormatException(st.path() + ": tensor '" + name + "' is stored as " + scheme.id()
                        + " but its part '" + key + "' is missing");
            }
            TensorInfo t = st.info(key);
            if (t.dtype() != dtype || !Arrays.equals(t.shape(), shape)) {
                throw new CheckpointFormatException(st.path() + ": tensor '" + key + "' (" + scheme.id() + " weight '" + name
                        + "') must be " + dtype + " " + Arrays.toString(shape) + ", found " + t.dtype() + " "
                        + Arrays.toString(t.shape()));
            }
            return t;
        }

        byte[] bytes(String suffix, DType dtype, long... shape) throws CheckpointFormatException {
            part(suffix, dtype, shape);
            return st.raw(name + suffix).data();
        }

        float[] floats(String suffix, DType dtype, long... shape) throws CheckpointFormatException {
            byte[] b = bytes(suffix, dtype, shape);
            float[] out = new float[b.length / 4];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        float[] finite(float[] v, String suffix) throws CheckpointFormatException {
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i]) || v[i] < 0) {
                    throw new CheckpointFormatException(st.path() + ": tensor '" + name + suffix + "' holds " + v[i]
                            + " at index " + i + "; scales must be finite and not negative");
                }
            }
            return v;
        }

        void finiteHalfScales(byte[] blocks, int blockBytes, String suffix) throws CheckpointFormatException {
            for (int o = 0; o < blocks.length; o += blockBytes) {
                float d = Float.float16ToFloat(HalfFloats.getShortLE(blocks, o));
                if (!Float.isFinite(d)) {
                    throw new CheckpointFormatException(st.path() + ": tensor '" + name + suffix + "' block " + o / blockBytes
                            + " has the scale " + d + "; scales must be finite");
                }
            }
        }

        /** bitsandbytes keeps packed codes as [n/2, 1]; a flat [n/2] is accepted too. */
        byte[] packed(long n) throws CheckpointFormatException {
            long bytes = (n + 1) / 2;
            if (st.contains(name) && st.info(name).shape().length == 1) {
                return bytes("", DType.U8, bytes);
            }
            return bytes("", DType.U8, bytes, 1);
        }

        void sameTable(String suffix, float[] ours, String what) throws CheckpointFormatException {
            float[] stored = floats(suffix, DType.F32, ours.length);
            for (int i = 0; i < ours.length; i++) {
                if (Float.floatToIntBits(stored[i]) != Float.floatToIntBits(ours[i])) {
                    throw new CheckpointFormatException(st.path() + ": tensor '" + name + suffix + "' differs from " + what
                            + " at index " + i + " (" + stored[i] + " instead of " + ours[i]
                            + "); Distillery decodes only files made with its own table");
                }
            }
        }

        /** Checks the quant_state JSON against the weight; returns the nested offset (null without nesting). */
        Float state(int rows, int cols, boolean nested) throws CheckpointFormatException {
            String key = name + NF4_STATE;
            if (!st.contains(key) || st.info(key).dtype() != DType.U8 || st.info(key).shape().length != 1) {
                throw new CheckpointFormatException(st.path() + ": tensor '" + name + "' is stored as " + scheme.id()
                        + " but '" + key + "' (U8, the JSON of its quant state) is missing or not a byte vector");
            }
            JsonNode s;
            try {
                s = JSON.readTree(new String(st.raw(key).data(), StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new CheckpointFormatException(st.path() + ": '" + key + "' is not valid JSON (" + e.getOriginalMessage() + ")", e);
            }
            boolean ok = s != null && "nf4".equals(s.path("quant_type").asText()) && s.path("blocksize").asInt() == 64
                    && s.path("shape").size() == 2 && s.path("shape").get(0).asLong() == rows
                    && s.path("shape").get(1).asLong() == cols && s.has("nested_offset") == nested
                    && (!nested || s.path("nested_blocksize").asInt() == 256 && s.path("nested_offset").isNumber());
            if (!ok) {
                throw new CheckpointFormatException(st.path() + ": '" + key + "' must describe nf4, blocksize 64, shape ["
                        + rows + ", " + cols + "]" + (nested ? ", nested_blocksize 256 and a nested_offset" : " without nesting")
                        + "; found " + s);
            }
            return nested ? (float) s.path("nested_offset").doubleValue() : null;
        }
    }
}
