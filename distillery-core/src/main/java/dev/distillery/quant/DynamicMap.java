package dev.distillery.quant;

import java.util.Arrays;

/**
 * bitsandbytes' signed dynamic 8-bit map ({@code create_dynamic_map(signed=True)}, Dettmers et al.,
 * 2022, "8-bit Optimizers via Block-wise Quantization"): for exponents i = 0..6, the midpoints of
 * {@code linspace(0.1, 1, 2^i + 1)} times {@code 10^(i − 6)}, both signs, plus 0 and 1; 256 values
 * sorted ascending, from about −0.993 to 1.
 *
 * <p>The linspace is taken as {@code 0.1f + k·step} for the first half and {@code 1 − (n−1−k)·step}
 * for the rest, in double and rounded once to float32; torch's own linspace differs from that in the
 * last bit at a few points depending on its vector width. Every nf4-dq file carries the map it was
 * made with ({@code nested_quant_map}), so readers never depend on the choice.
 */
public final class DynamicMap {
    private static final float[] MAP = build();
    static final CodeBook CODES = new CodeBook(MAP);

    private DynamicMap() {
    }

    /** The 256 values, index = code. */
    public static float[] values() {
        return MAP.clone();
    }

    public static float value(int code) {
        return MAP[code];
    }

    /** The code of a value already divided by its block's absmax: nearest, ties to the lower index. */
    public static int code(float normalized) {
        return CODES.code(normalized);
    }

    private static float[] build() {
        double[] powers = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};
        float[] data = new float[256];
        int count = 0;
        for (int i = 0; i < 7; i++) {
            float[] b = linspace(0.1f, (1 << i) + 1);
            float scale = (float) powers[i];
            for (int k = 0; k + 1 < b.length; k++) {
                float mean = (b[k] + b[k + 1]) / 2f;
                data[count++] = scale * mean;
                data[count++] = -(scale * mean);
            }
        }
        data[count++] = 0f;
        data[count++] = 1f;
        assert count == 256;
        Arrays.sort(data);
        return data;
    }

    private static float[] linspace(float start, int n) {
        float[] out = new float[n];
        double step = (1.0 - start) / (n - 1);
        for (int k = 0; k < n; k++) {
            out[k] = (float) (k < n / 2 ? start + k * step : 1.0 - (n - 1 - k) * step);
        }
        return out;
    }
}
