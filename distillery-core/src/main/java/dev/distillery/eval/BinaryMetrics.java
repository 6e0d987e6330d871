package dev.distillery.eval;

/**
 * Scores of a two-class problem seen from the positive class (e.g. phishing): precision, recall and F1
 * of that class alone, zero when a denominator is zero.
 *
 * @param support examples whose true class is the positive class
 */
public record BinaryMetrics(int positiveClass, double accuracy, double precision, double recall, double f1,
                            long support, ConfusionMatrix confusion) {
}
