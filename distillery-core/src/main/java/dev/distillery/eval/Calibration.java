package dev.distillery.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Calibration of predicted probabilities: expected calibration error over equal-width bins of
 * top-class confidence (Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural
 * Networks", ICML 2017) and the multi-class Brier score (Brier, Monthly Weather Review 1950).
 * The top class is the first index of the largest probability, as {@code numpy.argmax}.
 */
public final class Calibration {
    /** Bins used by Guo et al. and most later reports. */
    public static final int DEFAULT_BINS = 15;

    private Calibration() {
    }

    /** ECE with 15 bins and the Brier score. */
    public static CalibrationReport of(float[] probs, int[] actual, int numClasses) {
        return of(probs, actual, numClasses, DEFAULT_BINS);
    }

    /**
     * @param probs row-major {@code [examples, numClasses]} probabilities (rows should sum to 1; not enforced)
     */
    public static CalibrationReport of(float[] probs, int[] actual, int numClasses, int bins) {
        Metrics.checkProbs(actual, probs, numClasses);
        Metrics.checkLabels(actual, numClasses, "actual");
        if (actual.length == 0 || bins <= 0) {
            throw new IllegalArgumentException("calibration needs examples and bins > 0 (got " + actual.length
                    + " examples, " + bins + " bins)");
        }
        long[] count = new long[bins];
        double[] correct = new double[bins];
        double[] confidence = new double[bins];
        double brierSum = 0;
        for (int i = 0; i < actual.length; i++) {
            int row = i * numClasses;
            int top = 0;
            for (int c = 1; c < numClasses; c++) {
                if (probs[row + c] > probs[row + top]) {
                    top = c;
                }
            }
            double conf = probs[row + top];
            // bin b holds (b/bins, (b+1)/bins]; confidence 0 goes to the first bin, anything above 1 to the last
            int b = (int) Math.ceil(conf * bins) - 1;
            b = Math.max(0, Math.min(bins - 1, b));
            count[b]++;
            confidence[b] += conf;
            if (top == actual[i]) {
                correct[b]++;
            }
            for (int c = 0; c < numClasses; c++) {
                double d = (double) probs[row + c] - (c == actual[i] ? 1 : 0); // in double, or the difference rounds to float
                brierSum += d * d;
            }
        }
        double ece = 0;
        List<CalibrationReport.Bin> binList = new ArrayList<>(bins);
        for (int b = 0; b < bins; b++) {
            double acc = count[b] == 0 ? 0 : correct[b] / count[b];
            double conf = count[b] == 0 ? 0 : confidence[b] / count[b];
            ece += (double) count[b] / actual.length * Math.abs(acc - conf);
            binList.add(new CalibrationReport.Bin((double) b / bins, (double) (b + 1) / bins, count[b], acc, conf));
        }
        return new CalibrationReport(ece, brierSum / actual.length, binList);
    }

    public static double ece(float[] probs, int[] actual, int numClasses) {
        return of(probs, actual, numClasses).ece();
    }

    public static double brier(float[] probs, int[] actual, int numClasses) {
        return of(probs, actual, numClasses).brier();
    }
}
