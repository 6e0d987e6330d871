package dev.distillery.report;

import dev.distillery.eval.ClassMetrics;
import dev.distillery.eval.ClassificationReport;
import dev.distillery.eval.ConfusionMatrix;

import java.util.List;

/** Tables of classification metrics, with label names in class-index order. */
public final class MetricTables {
    private MetricTables() {
    }

    /**
     * Precision, recall, F1 and support per class, then the macro averages and accuracy:
     * scikit-learn's {@code classification_report} layout.
     */
    public static Table classification(ClassificationReport report, List<String> labels) {
        checkLabels(report.perClass().size(), labels);
        Table t = new Table("class", "precision", "recall", "F1", "support");
        long total = 0;
        for (ClassMetrics c : report.perClass()) {
            t.row(labels.get(c.classIndex()), c.precision(), c.recall(), c.f1(), c.support());
            total += c.support();
        }
        t.row("macro avg", report.macroPrecision(), report.macroRecall(), report.macroF1(), total);
        t.row("weighted F1", null, null, report.weightedF1(), total);
        t.row("accuracy", null, null, report.accuracy(), total);
        return t;
    }

    /** Rows are actual classes, columns predicted classes. */
    public static Table confusion(ConfusionMatrix m, List<String> labels) {
        checkLabels(m.numClasses(), labels);
        String[] headers = new String[m.numClasses() + 1];
        headers[0] = "actual \\ predicted";
        for (int c = 0; c < m.numClasses(); c++) {
            headers[c + 1] = labels.get(c);
        }
        Table t = new Table(headers);
        for (int a = 0; a < m.numClasses(); a++) {
            Object[] row = new Object[headers.length];
            row[0] = labels.get(a);
            for (int p = 0; p < m.numClasses(); p++) {
                row[p + 1] = m.count(a, p);
            }
            t.row(row);
        }
        return t;
    }

    private static void checkLabels(int classes, List<String> labels) {
        if (labels.size() != classes) {
            throw new IllegalArgumentException(labels.size() + " label names " + labels + " for " + classes + " classes");
        }
    }
}
