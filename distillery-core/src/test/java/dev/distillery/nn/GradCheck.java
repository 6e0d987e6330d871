package dev.distillery.nn;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Central finite differences in FP32 against an analytic gradient.
 *
 * <p>Each check perturbs one input by ±{@link #EPS} and reruns a forward that returns a scalar
 * loss, computed in double as Σ cᵢ·yᵢ with fixed random cᵢ so every output contributes. With
 * values of order 1, FP32 forward rounding (~1e-7 relative on a loss of order 10) divided by 2ε
 * gives ~5e-5 of noise and the O(ε²) truncation term stays below 1e-3, so a gradient is accepted
 * within {@link #ATOL} + {@link #RTOL}·|g|; a missing or wrong term is off by order 0.1.
 */
public final class GradCheck {
    public static final float EPS = 1e-2f;
    public static final double RTOL = 2e-2;
    public static final double ATOL = 2e-3;

    private GradCheck() {
    }

    /** Fixed random weights c for the scalar loss Σ cᵢ·yᵢ. */
    public static double[] projection(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            c[i] = rng.nextGaussian();
        }
        return c;
    }

    public static double project(float[] y, double[] c) {
        if (y.length != c.length) {
            throw new IllegalArgumentException("output has " + y.length + " values, projection " + c.length);
        }
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += c[i] * y[i];
        }
        return s;
    }

    /** Checks {@code analytic} against finite differences of {@code loss} in every entry of {@code x}. */
    public static void check(String what, float[] x, float[] analytic, Supplier<Double> loss) {
        int[] all = new int[x.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        check(what, x, analytic, loss, all);
    }

    /** As {@link #check(String, float[], float[], Supplier)} on up to {@code samples} random entries. */
    public static void checkSample(String what, float[] x, float[] analytic, Supplier<Double> loss, int samples, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = Math.min(samples, x.length);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = samples >= x.length ? i : rng.nextInt(x.length);
        }
        check(what, x, analytic, loss, idx);
    }

    private static void check(String what, float[] x, float[] analytic, Supplier<Double> loss, int[] indices) {
        if (x.length != analytic.length) {
            fail(what + ": gradient length " + analytic.length + " for " + x.length + " values");
        }
        for (int i : indices) {
            float saved = x[i];
            x[i] = saved + EPS;
            double plus = loss.get();
            x[i] = saved - EPS;
            double minus = loss.get();
            x[i] = saved;
            double numeric = (plus - minus) / (2.0 * EPS);
            if (!(Math.abs(numeric - analytic[i]) <= ATOL + RTOL * Math.abs(numeric))) {
                fail(String.format("%s: gradient at index %d is %.6g, finite differences give %.6g", what, i,
                        analytic[i], numeric));
            }
        }
    }

    /** Overwrites every parameter with N(0, std²) so activations leave their linear regime. */
    public static void randomise(List<Parameter> params, double std, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Parameter p : params) {
            float[] d = p.data();
            boolean norm = p.name().contains("LayerNorm") || p.name().contains("layer_norm");
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((norm && p.name().endsWith("weight") ? 1.0 : 0.0) + std * rng.nextGaussian());
            }
        }
    }

    public static float[] randomArray(int n, double std, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (std * rng.nextGaussian());
        }
        return a;
    }

    public static void zeroGrads(List<Parameter> params) {
        params.forEach(Parameter::zeroGrad);
    }

    public static float[] toFloat(double[] c) {
        float[] f = new float[c.length];
        for (int i = 0; i < c.length; i++) {
            f[i] = (float) c[i];
        }
        return f;
    }
}
