package dev.distillery.testing;

import static org.junit.jupiter.api.Assertions.fail;

/** Shared numeric assertions, numpy-allclose style: |expected − actual| ≤ atol + rtol·|expected|. */
public final class Numerics {
    private Numerics() {
    }

    public static void assertClose(float[] expected, float[] actual, double rtol, double atol) {
        assertClose(expected, actual, rtol, atol, "");
    }

    public static void assertClose(float[] expected, float[] actual, double rtol, double atol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + " differs from expected " + expected.length);
        }
        int worst = -1;
        double worstExcess = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) expected[i] - actual[i]);
            if (Double.isNaN(diff) && !(Float.isNaN(expected[i]) && Float.isNaN(actual[i]))) {
                fail(what + ": NaN at index " + i + " (expected " + expected[i] + ", actual " + actual[i] + ")");
            }
            maxDiff = Math.max(maxDiff, diff);
            double excess = diff - (atol + rtol * Math.abs(expected[i]));
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        if (worst >= 0) {
            fail(String.format("%s: not close at index %d: expected %s, actual %s (max |diff| %.3g, rtol %.1g, atol %.1g)",
                    what, worst, expected[worst], actual[worst], maxDiff, rtol, atol));
        }
    }

    public static void assertClose(double[] expected, double[] actual, double rtol, double atol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + " differs from expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            if (!(diff <= atol + rtol * Math.abs(expected[i]))) {
                fail(String.format("%s: not close at index %d: expected %s, actual %s (rtol %.1g, atol %.1g)",
                        what, i, expected[i], actual[i], rtol, atol));
            }
        }
    }

    /** Largest |a − b| over two equal-length arrays. */
    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
