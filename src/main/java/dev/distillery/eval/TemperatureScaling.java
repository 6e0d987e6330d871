package dev.distillery.eval;

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
 */
public final class TemperatureScaling {
    /** The search covers T in [MIN, MAX]; a fit on the bound means the data asked for more. */
    public static final double MIN_TEMPERATURE = 0.05;
    public static final double MAX_TEMPERATURE = 20;
    /** 0.618^90 of the log-interval ln(400) is below 1e-18: far under double resolution of T. */
    private static final int ITERATIONS = 90;
    private static final double INV_PHI = (Math.sqrt(5) - 1) / 2;

    private TemperatureScaling() {
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
