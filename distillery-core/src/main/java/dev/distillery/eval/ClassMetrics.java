package dev.distillery.eval;

/**
 * Precision, recall and F1 of one class against the rest. A ratio with a zero denominator is 0
 * (scikit-learn's {@code zero_division=0}): a class never predicted has precision 0.
 *
 * @param support examples whose true class is {@code classIndex}
 */
public record ClassMetrics(int classIndex, double precision, double recall, double f1, long support) {
}
