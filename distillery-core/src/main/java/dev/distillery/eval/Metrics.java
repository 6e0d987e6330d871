package dev.distillery.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Classification metrics over class indices and scores. Zero denominators give 0, as scikit-learn's
 * {@code zero_division=0}; ROC-AUC is NaN when it is undefined (see {@link #rocAuc}).
 *
 * <pre>{@code
 * Metrics.classification(new int[] {0, 1, 1, 2}, new int[] {0, 1, 2, 2}, 3).accuracy()  // 0.75
 * Metrics.rocAuc(new int[] {0, 0, 1, 1}, new double[] {0.1, 0.4, 0.35, 0.8}, 1)       // 0.75
 * }</pre>
 */
public final class Metrics {
    private Metrics() {
    }

    public static double accuracy(int[] actual, int[] predicted) {
        if (actual.length != predicted.length || actual.length == 0) {
            throw new IllegalArgumentException("accuracy needs equal, non-zero lengths: " + actual.length + " actual, "
                    + predicted.length + " predicted");
        }
        long right = 0;
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] == predicted[i]) {
                right++;
            }
        }
        return (double) right / actual.length;
    }

    /** Per-class precision, recall, F1 and support, their macro averages, weighted F1 and accuracy. */
    public static ClassificationReport classification(int[] actual, int[] predicted, int numClasses) {
        return classification(ConfusionMatrix.of(actual, predicted, numClasses));
    }

    public static ClassificationReport classification(ConfusionMatrix m) {
        long total = m.total();
        if (total == 0) {
            throw new IllegalArgumentException("no examples to score");
        }
        List<ClassMetrics> perClass = new ArrayList<>();
        double sumP = 0;
        double sumR = 0;
        double sumF = 0;
        double weightedF = 0;
        int present = 0;
        for (int c = 0; c < m.numClasses(); c++) {
            ClassMetrics cm = classMetrics(m, c);
            perClass.add(cm);
            if (cm.support() > 0 || m.predicted(c) > 0) {
                present++;
                sumP += cm.precision();
                sumR += cm.recall();
                sumF += cm.f1();
            }
            weightedF += cm.f1() * cm.support();
        }
        return new ClassificationReport((double) m.correct() / total, sumP / present, sumR / present, sumF / present,
                weightedF / total, perClass, m);
    }

    /** Precision, recall and F1 of {@code positiveClass} against all others, plus accuracy. */
    public static BinaryMetrics binary(int[] actual, int[] predicted, int positiveClass, int numClasses) {
        ConfusionMatrix m = ConfusionMatrix.of(actual, predicted, numClasses);
        if (positiveClass < 0 || positiveClass >= numClasses) {
            throw new IllegalArgumentException("positive class " + positiveClass + " is not in [0, " + numClasses + ")");
        }
        if (m.total() == 0) {
            throw new IllegalArgumentException("no examples to score");
        }
        ClassMetrics c = classMetrics(m, positiveClass);
        return new BinaryMetrics(positiveClass, (double) m.correct() / m.total(), c.precision(), c.recall(), c.f1(),
                c.support(), m);
    }

    static ClassMetrics classMetrics(ConfusionMatrix m, int c) {
        long tp = m.count(c, c);
        long predictedC = m.predicted(c);
        long support = m.support(c);
        double precision = predictedC == 0 ? 0 : (double) tp / predictedC;
        double recall = support == 0 ? 0 : (double) tp / support;
        // 2tp / (2tp + fp + fn) equals 2PR / (P + R) and is exact when P + R = 0
        long denominator = predictedC + support;
        double f1 = denominator == 0 ? 0 : 2.0 * tp / denominator;
        return new ClassMetrics(c, precision, recall, f1, support);
    }

    /**
     * Binary ROC-AUC: the probability that a random positive scores above a random negative, ties
     * counting one half (the Mann–Whitney U statistic with mid-ranks, equal to the trapezoidal area
     * under the ROC curve). Returns NaN when there are no positives or no negatives, where the AUC is
     * undefined (scikit-learn raises an error there instead).
     *
     * @param actual        true class per example; examples of {@code positiveClass} are positives, all others negatives
     * @param scores        score per example, higher meaning more positive; must not be NaN
     */
    public static double rocAuc(int[] actual, double[] scores, int positiveClass) {
        if (actual.length != scores.length) {
            throw new IllegalArgumentException(actual.length + " labels but " + scores.length + " scores");
        }
        int n = actual.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("score " + i + " is NaN");
            }
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
        long positives = 0;
        double positiveRankSum = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1; // 1-based average rank of the tied run i..j
            for (int k = i; k <= j; k++) {
                if (actual[order[k]] == positiveClass) {
                    positives++;
                    positiveRankSum += midRank;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    public static double rocAuc(int[] actual, float[] scores, int positiveClass) {
        double[] d = new double[scores.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = scores[i];
        }
        return rocAuc(actual, d, positiveClass);
    }

    /**
     * One-vs-rest ROC-AUC per class and its macro mean.
     *
     * @param probs row-major {@code [examples, numClasses]} scores, usually softmax probabilities
     */
    public static RocAuc rocAucOneVsRest(int[] actual, float[] probs, int numClasses) {
        checkProbs(actual, probs, numClasses);
        checkLabels(actual, numClasses, "actual");
        double[] perClass = new double[numClasses];
        double[] column = new double[actual.length];
        double sum = 0;
        for (int c = 0; c < numClasses; c++) {
            for (int i = 0; i < actual.length; i++) {
                column[i] = probs[i * numClasses + c];
            }
            perClass[c] = rocAuc(actual, column, c);
            sum += perClass[c];
        }
        return new RocAuc(sum / numClasses, perClass);
    }

    static void checkLabels(int[] labels, int numClasses, String what) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(what + " label " + labels[i] + " at index " + i + " is not in [0, "
                        + numClasses + ")");
            }
        }
    }

    static void checkProbs(int[] actual, float[] probs, int numClasses) {
        if (numClasses <= 0 || probs.length != (long) actual.length * numClasses) {
            throw new IllegalArgumentException("probabilities have " + probs.length + " values; expected "
                    + actual.length + " examples × " + numClasses + " classes");
        }
        for (int i = 0; i < probs.length; i++) {
            if (!Float.isFinite(probs[i])) {
                throw new IllegalArgumentException("probability " + i + " (example " + i / numClasses + ") is " + probs[i]);
            }
        }
    }
}
