package dev.distillery.eval;

import java.util.List;

/**
 * Multi-class scores from a confusion matrix. Macro averages are unweighted means over the classes that
 * occur among the actual or predicted labels (scikit-learn's default label set), so a class absent from
 * a small test split does not add a zero; the weighted F1 weights each class by its support.
 *
 * @param perClass one entry per class index, including classes that never occur
 */
public record ClassificationReport(double accuracy, double macroPrecision, double macroRecall, double macroF1,
                                   double weightedF1, List<ClassMetrics> perClass, ConfusionMatrix confusion) {
    public ClassificationReport {
        perClass = List.copyOf(perClass);
    }
}
