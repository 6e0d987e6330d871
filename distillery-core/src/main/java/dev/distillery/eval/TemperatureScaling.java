package dev.distillery.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Temperature scaling (Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural Networks",
 * ICML 2017, section 4.2): one scalar T &gt; 0 divides every logit before the softmax, chosen to
 * minimise the negative log-likelihood of held-out labels. T leaves the arg-max, hence accuracy and
 * F1, unchanged; T &gt; 1 softens over-confident probabilities.
 * <pre>{@code
 * double t = TemperatureScaling.fit(validationLogits, validationLabels, 2);
 * TemperatureScaling.probabilities(testLogits, 2, t);   // calibrated [rows, 2]
 * }</pre>
 *
 * <p>The NLL is convex in 1/T (a log-sum-exp of linear functions minus a linear one), so it has a
 * single minimum along log T too, which golden-section search finds without gradients and with the
 * same steps on every machine.
 *
 * <p>The NLL minimum need not lower the 15-bin ECE: on a model that is already well calibrated the two
 * disagree by a few hundredths of T, and moving confidences across bin edges can raise the ECE (the
 * phishing demo teacher: T = 1.14 took validation ECE 0.034 to 0.053). {@link #choose} therefore fits
 * with either objective and applies the temperature only when it lowers the held-out ECE at 15 and at
 * 10 bins and a paired bootstrap says the 15-bin drop is not noise; otherwise it keeps T = 1.
 */
public final class TemperatureScaling {
    /** The search covers T in [MIN, MAX]; a fit on the bound means the data asked for more. */
    public static final double MIN_TEMPERATURE = 0.05;
    public static final double MAX_TEMPERATURE = 20;
    /** 0.618^90 of the log-interval ln(400) is below 1e-18: far under double resolution of T. */
    private static final int ITERATIONS = 90;
    private static final double INV_PHI = (Math.sqrt(5) - 1) / 2;

    /** Resamples of the paired bootstrap in {@link #choose}: enough for a stable 5th percentile (10 below it). */
    static final int BOOTSTRAP_RESAMPLES = 200;
    /** The guard's second binning: coarse enough that a T tuned to the 15 edges gains nothing there by luck. */
    static final int GUARD_BINS = 10;
    /** Step of the ECE search along log T: 1% in T, finer than the ECE resolves on a thousand rows. */
    private static final double ECE_GRID_STEP = 0.01;

    private TemperatureScaling() {
    }

    /**
     * Fits T with {@code objective} and guards it: the fitted T is applied only when it lowers the held-out
     * ECE at {@value Calibration#DEFAULT_BINS} bins and at {@value #GUARD_BINS} bins, and the 5th percentile of
     * a paired bootstrap ({@value #BOOTSTRAP_RESAMPLES} resamples of the rows, seeded by {@code seed}) of the
     * 15-bin drop is above 0. Otherwise T = 1 is kept: a temperature the held-out rows cannot tell from
     * noise would only move the test ECE at random.
     *
     * @param logits row-major {@code [rows, numClasses]} raw logits of held-out rows (never training rows)
     * @param actual true class per row
     */
    public static TemperatureFit choose(float[] logits, int[] actual, int numClasses, CalibrationObjective objective,
                                        long seed) {
        double t = objective == CalibrationObjective.NLL ? fit(logits, actual, numClasses)
                : fitEce(logits, actual, numClasses, Calibration.DEFAULT_BINS);
        float[] before = probabilities(logits, numClasses, 1); // [rows, classes]
        float[] after = probabilities(logits, numClasses, t);
        double ece = Calibration.ece(before, actual, numClasses);
        double eceFitted = Calibration.ece(after, actual, numClasses);
        double ece10 = Calibration.of(before, actual, numClasses, GUARD_BINS).ece();
        double ece10Fitted = Calibration.of(after, actual, numClasses, GUARD_BINS).ece();
        double lower = bootstrapDropLowerBound(before, after, actual, numClasses, seed);
        boolean accepted = eceFitted < ece && ece10Fitted < ece10 && lower > 0;
        return new TemperatureFit(objective, t, accepted, ece, eceFitted, ece10, ece10Fitted, lower,
                nll(logits, actual, numClasses, 1), nll(logits, actual, numClasses, t), actual.length);
    }

    /**
     * The temperature of least {@code bins}-bin ECE on a grid of step {@value #ECE_GRID_STEP} in log T over
     * [{@value #MIN_TEMPERATURE}, {@value #MAX_TEMPERATURE}]. The ECE is a step function of T with many local
     * minima, so a grid replaces golden-section search; among equal minima the one nearest T = 1 wins, the
     * smallest change that achieves it.
     */
    public static double fitEce(float[] logits, int[] actual, int numClasses, int bins) {
        Metrics.checkProbs(actual, logits, numClasses);
        Metrics.checkLabels(actual, numClasses, "actual");
        if (actual.length == 0) {
            throw new IllegalArgumentException("temperature scaling needs at least one labelled row");
        }
        int steps = (int) Math.floor(Math.log(MAX_TEMPERATURE) / ECE_GRID_STEP);
        double bestT = 1;
        double best = Calibration.of(probabilities(logits, numClasses, 1), actual, numClasses, bins).ece();
        // outward from T = 1, so a later point must be strictly better to replace a nearer one
        for (int i = 1; i <= steps; i++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                double t = Math.exp(sign * i * ECE_GRID_STEP);
                if (t < MIN_TEMPERATURE) {
                    continue;
                }
                double e = Calibration.of(probabilities(logits, numClasses, t), actual, numClasses, bins).ece();
                if (e < best) {
                    best = e;
                    bestT = t;
                }
            }
        }
        return bestT;
    }

    /**
     * 5th percentile over seeded resamples (rows drawn with replacement, the same rows for both) of
     * ECE(before) − ECE(after) at 15 bins: above 0 when the drop holds on nearly every resample.
     */
    static double bootstrapDropLowerBound(float[] before, float[] after, int[] actual, int numClasses, long seed) {
        int rows = actual.length;
        SplittableRandom rng = new SplittableRandom(seed);
        double[] drops = new double[BOOTSTRAP_RESAMPLES];
        float[] pb = new float[before.length];
        float[] pa = new float[after.length];
        int[] labels = new int[rows];
        for (int b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
            for (int i = 0; i < rows; i++) {
                int r = rng.nextInt(rows);
                System.arraycopy(before, r * numClasses, pb, i * numClasses, numClasses);
                System.arraycopy(after, r * numClasses, pa, i * numClasses, numClasses);
                labels[i] = actual[r];
            }
            drops[b] = Calibration.ece(pb, labels, numClasses) - Calibration.ece(pa, labels, numClasses);
        }
        Arrays.sort(drops);
        return drops[(int) Math.floor(0.05 * (BOOTSTRAP_RESAMPLES - 1))];
    }

    /**
     * The temperature that minimises {@link #nll} over [{@value #MIN_TEMPERATURE}, {@value #MAX_TEMPERATURE}].
     *
     * @param logits row-major {@code [rows, numClasses]} raw logits
     * @param actual true class per row
     */
    public static double fit(float[] logits, int[] actual, int numClasses) {
        Metrics.checkProbs(actual, logits, numClasses);
        Metrics.checkLabels(actual, numClasses, "actual");
        if (actual.length == 0) {
            throw new IllegalArgumentException("temperature scaling needs at least one labelled row");
        }
        double lo = Math.log(MIN_TEMPERATURE);
        double hi = Math.log(MAX_TEMPERATURE);
        double a = hi - INV_PHI * (hi - lo);
        double b = lo + INV_PHI * (hi - lo);
        double fa = nll(logits, actual, numClasses, Math.exp(a));
        double fb = nll(logits, actual, numClasses, Math.exp(b));
        for (int i = 0; i < ITERATIONS; i++) {
            if (fa <= fb) {
                hi = b;
                b = a;
                fb = fa;
                a = hi - INV_PHI * (hi - lo);
                fa = nll(logits, actual, numClasses, Math.exp(a));
            } else {
                lo = a;
                a = b;
                fa = fb;
                b = lo + INV_PHI * (hi - lo);
                fb = nll(logits, actual, numClasses, Math.exp(b));
            }
        }
        return Math.exp((lo + hi) / 2);
    }

    /** Mean negative log-likelihood of the true classes under softmax(logits / T), in nats. */
    public static double nll(float[] logits, int[] actual, int numClasses, double temperature) {
        checkTemperature(temperature);
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
            int row = i * numClasses;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                max = Math.max(max, logits[row + c] / temperature);
            }
            double z = 0;
            for (int c = 0; c < numClasses; c++) {
                z += StrictMath.exp(logits[row + c] / temperature - max);
            }
            sum += max + StrictMath.log(z) - logits[row + actual[i]] / temperature;
        }
        return sum / actual.length;
    }

    /**
     * softmax(logits / T) row by row, {@code [rows, numClasses]}; the same arithmetic as the classifier's
     * prediction path, so probabilities computed here and there agree bit for bit.
     */
    public static float[] probabilities(float[] logits, int numClasses, double temperature) {
        float[] p = logits.clone();
        for (int off = 0; off < p.length; off += numClasses) {
            softmaxRow(p, off, numClasses, temperature);
        }
        return p;
    }

    /** softmax(x / T) in place on one row, subtracting the row maximum so large logits do not overflow. */
    public static void softmaxRow(float[] x, int off, int n, double temperature) {
        checkTemperature(temperature);
        float inv = (float) (1 / temperature);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = StrictMath.exp(x[off + i] - max);
            x[off + i] = (float) e;
            sum += e;
        }
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) (x[off + i] / sum);
        }
    }

    private static void checkTemperature(double t) {
        if (!(t > 0) || !Double.isFinite(t)) {
            throw new IllegalArgumentException("temperature must be a positive finite number, got " + t);
        }
    }
}
