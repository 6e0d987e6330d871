package dev.distillery.quant;

/**
 * A sorted table of code values and the nearest-code rule bitsandbytes' kernels implement: a
 * value gets the number of decision thresholds strictly below it, each threshold being the
 * float32 rounding of the midpoint of two neighbouring values. So a tie goes to the lower index,
 * and NaN (0 · ∞ from a block of zeros) compares false everywhere and gets code 0, as in the
 * CUDA decision tree {@code dQuantizeNF4}.
 */
final class CodeBook {
    private final float[] values; // [codes], ascending
    private final float[] thresholds; // [codes - 1]

    CodeBook(float[] values) {
        this.values = values.clone();
        this.thresholds = new float[values.length - 1];
        for (int k = 0; k < thresholds.length; k++) {
            assert values[k] < values[k + 1];
            // the midpoint of two floats is exact in double; one rounding to float32, as the kernels' literals
            thresholds[k] = (float) (((double) values[k] + values[k + 1]) / 2);
        }
    }

    float[] values() {
        return values.clone();
    }

    float value(int code) {
        return values[code];
    }

    /** The code of a value already divided by its block's absmax. */
    int code(float normalized) {
        int lo = 0;
        int hi = thresholds.length;
        while (lo < hi) { // first threshold that is not below the value = count of those below
            int mid = (lo + hi) >>> 1;
            if (thresholds[mid] < normalized) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return Float.isNaN(normalized) ? 0 : lo;
    }
}
