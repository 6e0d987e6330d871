package dev.distillery.bench;

import dev.distillery.kernel.LinearWeight;
import dev.distillery.kernel.lowbit.QuantizedWeights;

import java.util.Locale;

/**
 * Round-to-nearest quantizers good enough to time the low-bit kernels on a real model's weights:
 * they produce the canonical arrays of each format from an FP32 weight [out, in]. Accuracy work
 * uses the spec-exact quantizers of the quantization package; timing does not depend on which.
 */
public enum BenchQuantizer {
    FP32, INT8_CHANNEL, Q8_0, Q4_0, NF4;

    /** The scheme named on the command line: fp32, int8 (per channel), q8_0, q4_0, nf4. */
    public static BenchQuantizer parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "int8", "int8-channel" -> INT8_CHANNEL;
            case "q8_0" -> Q8_0;
            case "q4_0" -> Q4_0;
            case "nf4" -> NF4;
            default -> throw new IllegalArgumentException("unknown scheme '" + name
                    + "'; expected fp32, int8, q8_0, q4_0 or nf4");
        };
    }

    public String label() {
        return switch (this) {
            case FP32 -> "fp32";
            case INT8_CHANNEL -> "int8";
            case Q8_0 -> "q8_0";
            case Q4_0 -> "q4_0";
            case NF4 -> "nf4";
        };
    }

    /** W [out, in] in this format. */
    public LinearWeight quantize(float[] w, int out, int in) {
        return switch (this) {
            case FP32 -> LinearWeight.fp32(w, out, in);
            case INT8_CHANNEL -> int8Channel(w, out, in);
            case Q8_0 -> QuantizedWeights.q8_0(blocks(w, out * in, 32, false), out, in);
            case Q4_0 -> QuantizedWeights.q4_0(blocks(w, out * in, 32, true), out, in);
            case NF4 -> nf4(w, out, in);
        };
    }

    private static LinearWeight int8Channel(float[] w, int out, int in) {
        byte[] codes = new byte[out * in];
        float[] scales = new float[out];
        for (int o = 0; o < out; o++) {
            float max = 0;
            for (int i = 0; i < in; i++) {
                max = Math.max(max, Math.abs(w[o * in + i]));
            }
            scales[o] = max == 0 ? 1f : max / 127;
            for (int i = 0; i < in; i++) {
                codes[o * in + i] = (byte) Math.max(-127, Math.min(127, Math.round(w[o * in + i] / scales[o])));
            }
        }
        return QuantizedWeights.int8Channel(codes, scales, out, in);
    }

    /** ggml Q8_0 (absmax / 127) or Q4_0 (signed max / −8, codes trunc(x/d + 8.5)) blocks of 32. */
    private static byte[] blocks(float[] w, int n, int size, boolean four) {
        int bytes = four ? 2 + size / 2 : 2 + size;
        byte[] out = new byte[n / size * bytes];
        for (int b = 0; b < n / size; b++) {
            float max = 0;
            float signed = 0;
            for (int j = 0; j < size; j++) {
                float v = w[b * size + j];
                if (Math.abs(v) > max) {
                    max = Math.abs(v);
                    signed = v;
                }
            }
            float d = four ? signed / -8 : max / 127;
            short h = Float.floatToFloat16(d);
            out[b * bytes] = (byte) h;
            out[b * bytes + 1] = (byte) (h >> 8);
            float id = d == 0 ? 0 : 1 / d;
            for (int j = 0; j < size; j++) {
                float v = w[b * size + j] * id;
                if (four) {
                    int code = Math.min(15, (int) (v + 8.5f));
                    int at = b * bytes + 2 + j % (size / 2);
                    out[at] = (byte) (out[at] | code << (j < size / 2 ? 0 : 4));
                } else {
                    out[b * bytes + 2 + j] = (byte) Math.round(v);
                }
            }
        }
        return out;
    }

    private static LinearWeight nf4(float[] w, int out, int in) {
        float[] table = QuantizedWeights.nf4Codebook();
        int n = out * in;
        byte[] packed = new byte[(n + 1) / 2];
        float[] absmax = new float[(n + 63) / 64];
        for (int b = 0; b < absmax.length; b++) {
            for (int j = b * 64; j < Math.min(n, b * 64 + 64); j++) {
                absmax[b] = Math.max(absmax[b], Math.abs(w[j]));
            }
        }
        for (int j = 0; j < n; j++) {
            float v = absmax[j / 64] == 0 ? 0 : w[j] / absmax[j / 64];
            int best = 0;
            for (int c = 1; c < 16; c++) {
                if (Math.abs(table[c] - v) < Math.abs(table[best] - v)) {
                    best = c;
                }
            }
            packed[j / 2] |= (byte) (j % 2 == 0 ? best << 4 : best);
        }
        return QuantizedWeights.nf4(packed, absmax, table, out, in);
    }
}
