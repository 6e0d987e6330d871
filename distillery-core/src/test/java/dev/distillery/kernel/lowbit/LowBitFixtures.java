package dev.distillery.kernel.lowbit;

import java.util.Random;

/**
 * Random low-bit weights for tests: canonical arrays with random codes and scales (weights of
 * magnitude up to about 1), built through {@link QuantizedWeights}, beside the FP32 weights the
 * spec of each format decodes them to, computed here from the canonical arrays alone.
 */
public final class LowBitFixtures {
    /** NF4 table of bitsandbytes (its {@code get_4bit_type("nf4")}). */
    public static final float[] NF4 = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
            0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
            0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};

    public enum Format { INT8_CHANNEL, INT8_AFFINE, Q8_0, Q4_0, NF4 }

    /** A weight and its spec decoding, {@code dequantized} [out, in] row-major. */
    public record Case(Format format, BlockedWeight weight, float[] dequantized) {
    }

    private LowBitFixtures() {
    }

    public static Case random(Format f, int out, int in, Random random) {
        return random(f, out, in, 1f, random);
    }

    /** As {@link #random(Format, int, int, Random)} with every scale multiplied by {@code amplitude}. */
    public static Case random(Format f, int out, int in, float amplitude, Random random) {
        float[] w = new float[out * in];
        switch (f) {
            case INT8_CHANNEL -> {
                byte[] codes = codes8(random, out * in, -127, 127);
                float[] scales = new float[out];
                for (int o = 0; o < out; o++) {
                    scales[o] = amplitude * (0.5f + random.nextFloat()) / 127;
                    for (int i = 0; i < in; i++) {
                        w[o * in + i] = codes[o * in + i] * scales[o];
                    }
                }
                return new Case(f, QuantizedWeights.int8Channel(codes, scales, out, in), w);
            }
            case INT8_AFFINE -> {
                byte[] codes = codes8(random, out * in, 0, 255);
                float scale = amplitude / 255;
                int zero = random.nextInt(256);
                for (int j = 0; j < w.length; j++) {
                    w[j] = ((codes[j] & 0xFF) - zero) * scale;
                }
                return new Case(f, QuantizedWeights.int8Affine(codes, scale, zero, out, in), w);
            }
            case Q8_0 -> {
                byte[] blocks = new byte[out * in / 32 * 34];
                for (int b = 0; b < out * in / 32; b++) {
                    float scale = putFp16(blocks, b * 34, amplitude * random.nextFloat() / 127);
                    for (int j = 0; j < 32; j++) {
                        byte code = (byte) (random.nextInt(255) - 127);
                        blocks[b * 34 + 2 + j] = code;
                        w[b * 32 + j] = code * scale; // blocks run along rows, so flat index b·32 + j
                    }
                }
                return new Case(f, QuantizedWeights.q8_0(blocks, out, in), w);
            }
            case Q4_0 -> {
                byte[] blocks = new byte[out * in / 32 * 18];
                for (int b = 0; b < out * in / 32; b++) {
                    float scale = putFp16(blocks, b * 18, amplitude * (random.nextFloat() - 0.5f) / 4);
                    for (int j = 0; j < 16; j++) {
                        int lo = random.nextInt(16);
                        int hi = random.nextInt(16);
                        blocks[b * 18 + 2 + j] = (byte) (lo | hi << 4);
                        w[b * 32 + j] = (lo - 8) * scale;
                        w[b * 32 + j + 16] = (hi - 8) * scale;
                    }
                }
                return new Case(f, QuantizedWeights.q4_0(blocks, out, in), w);
            }
            case NF4 -> {
                int n = out * in;
                int[] code = new int[n];
                byte[] packed = new byte[(n + 1) / 2];
                for (int j = 0; j < n; j++) {
                    code[j] = random.nextInt(16);
                    packed[j / 2] |= (byte) (j % 2 == 0 ? code[j] << 4 : code[j]);
                }
                float[] absmax = new float[(n + 63) / 64];
                for (int b = 0; b < absmax.length; b++) {
                    absmax[b] = amplitude * random.nextFloat();
                }
                for (int j = 0; j < n; j++) {
                    w[j] = NF4[code[j]] * absmax[j / 64];
                }
                return new Case(f, QuantizedWeights.nf4(packed, absmax, NF4, out, in), w);
            }
            default -> throw new AssertionError(f);
        }
    }

    /** Writes {@code value} as fp16 little-endian at {@code at}; returns the value fp16 holds. */
    private static float putFp16(byte[] dst, int at, float value) {
        short h = Float.floatToFloat16(value);
        dst[at] = (byte) h;
        dst[at + 1] = (byte) (h >> 8);
        return Float.float16ToFloat(h);
    }

    static byte[] codes8(Random random, int n, int min, int max) {
        byte[] codes = new byte[n];
        for (int i = 0; i < n; i++) {
            codes[i] = (byte) (min + random.nextInt(max - min + 1));
        }
        return codes;
    }

}
