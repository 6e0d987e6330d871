package dev.distillery.eval;

import java.util.Arrays;

/**
 * Counts of (actual, predicted) class pairs.
 *
 * @param counts row-major {@code [actual, predicted]}, {@code numClasses × numClasses}
 */
public record ConfusionMatrix(int numClasses, long[] counts) {
    public ConfusionMatrix {
        if (numClasses <= 0 || counts.length != (long) numClasses * numClasses) {
            throw new IllegalArgumentException("a confusion matrix of " + numClasses + " classes needs "
                    + numClasses * numClasses + " counts, got " + counts.length);
        }
        counts = counts.clone();
    }

    /** @param actual true class per example; {@code predicted} the predicted class, same length */
    public static ConfusionMatrix of(int[] actual, int[] predicted, int numClasses) {
        Metrics.checkLabels(actual, numClasses, "actual");
        Metrics.checkLabels(predicted, numClasses, "predicted");
        if (actual.length != predicted.length) {
            throw new IllegalArgumentException(actual.length + " actual labels but " + predicted.length + " predictions");
        }
        long[] c = new long[numClasses * numClasses];
        for (int i = 0; i < actual.length; i++) {
            c[actual[i] * numClasses + predicted[i]]++;
        }
        return new ConfusionMatrix(numClasses, c);
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    public long count(int actual, int predicted) {
        return counts[actual * numClasses + predicted];
    }

    public long total() {
        return Arrays.stream(counts).sum();
    }

    /** Examples whose true class is {@code c} (row sum). */
    public long support(int c) {
        long s = 0;
        for (int p = 0; p < numClasses; p++) {
            s += count(c, p);
        }
        return s;
    }

    /** Examples predicted as {@code c} (column sum). */
    public long predicted(int c) {
        long s = 0;
        for (int a = 0; a < numClasses; a++) {
            s += count(a, c);
        }
        return s;
    }

    public long correct() {
        long s = 0;
        for (int c = 0; c < numClasses; c++) {
            s += count(c, c);
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix m && m.numClasses == numClasses && Arrays.equals(m.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * numClasses + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ConfusionMatrix[actual × predicted]");
        for (int a = 0; a < numClasses; a++) {
            sb.append("\n  ").append(Arrays.toString(Arrays.copyOfRange(counts, a * numClasses, (a + 1) * numClasses)));
        }
        return sb.toString();
    }
}
