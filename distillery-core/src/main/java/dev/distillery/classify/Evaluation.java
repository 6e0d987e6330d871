package dev.distillery.classify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.data.Dataset;
import dev.distillery.eval.BinaryMetrics;
import dev.distillery.eval.Calibration;
import dev.distillery.eval.CalibrationReport;
import dev.distillery.eval.ClassMetrics;
import dev.distillery.eval.ClassificationReport;
import dev.distillery.eval.Metrics;
import dev.distillery.eval.RocAuc;
import dev.distillery.report.MetricTables;
import dev.distillery.report.Table;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A classifier scored on labelled data: accuracy; precision, recall and F1 of the positive class for
 * two labels, macro and per class always; ROC-AUC (of the positive class, or one-vs-rest macro);
 * expected calibration error (15 bins) and Brier score; the confusion matrix.
 *
 * @param positiveClass index of the positive class for two labels (see {@link #positiveClass(List)}), −1 otherwise
 * @param binary        positive-class scores, or null with more than two labels
 * @param rocAuc        positive-class ROC-AUC, or one-vs-rest macro ROC-AUC; NaN when a class is absent
 */
public record Evaluation(String data, List<String> labels, int positiveClass, ClassificationReport report,
                         BinaryMetrics binary, double rocAuc, CalibrationReport calibration) {

    /**
     * The class whose precision and recall a binary task reports: the label {@code "1"} or
     * {@code "phishing"} when present, else index 1 (the second label in the model's order).
     * Returns −1 unless there are exactly two labels.
     */
    public static int positiveClass(List<String> labels) {
        if (labels.size() != 2) {
            return -1;
        }
        for (String name : List.of("1", "phishing")) {
            int i = labels.indexOf(name);
            if (i >= 0) {
                return i;
            }
        }
        return 1;
    }

    /** Scores {@code classifier} on {@code data}, read with the classifier's labels and text transform. */
    public static Evaluation of(Classifier classifier, Dataset data) {
        if (data.size() == 0) {
            throw new IllegalArgumentException(data.name() + " has no rows to evaluate on");
        }
        if (data.transform() != classifier.transform() || !data.labelMap().equals(classifier.labels())) {
            throw new IllegalArgumentException(data.name() + " was read with transform " + data.transform().id()
                    + " and labels " + data.labelMap() + "; the model expects " + classifier.transform().id() + " and "
                    + classifier.labels());
        }
        float[] probs = classifier.probabilitiesOfPrepared(data.texts()); // [rows, labels]
        return of(data.name(), classifier.labels().names(), data.labels(), probs);
    }

    /** Scores probabilities {@code [rows, labels]} against the true label indices. */
    public static Evaluation of(String data, List<String> labels, int[] actual, float[] probs) {
        int n = labels.size();
        int[] predicted = BatchInference.argmax(probs, n);
        ClassificationReport report = Metrics.classification(actual, predicted, n);
        int positive = positiveClass(labels);
        BinaryMetrics binary = null;
        double auc;
        if (positive >= 0) {
            binary = Metrics.binary(actual, predicted, positive, n);
            float[] scores = new float[actual.length]; // [rows]
            for (int i = 0; i < scores.length; i++) {
                scores[i] = probs[i * n + positive];
            }
            auc = Metrics.rocAuc(actual, scores, positive);
        } else {
            RocAuc r = Metrics.rocAucOneVsRest(actual, probs, n);
            auc = r.macro();
        }
        return new Evaluation(data, List.copyOf(labels), positive, report, binary, auc, Calibration.of(probs, actual, n));
    }

    /** Headline scores by name, for the manifest and for comparing runs. */
    public Map<String, Double> summary() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("examples", (double) report.confusion().total());
        m.put("accuracy", report.accuracy());
        if (binary != null) {
            m.put("precision", binary.precision());
            m.put("recall", binary.recall());
            m.put("f1", binary.f1());
        }
        m.put("macro_precision", report.macroPrecision());
        m.put("macro_recall", report.macroRecall());
        m.put("macro_f1", report.macroF1());
        m.put("roc_auc", rocAuc);
        m.put("ece", calibration.ece());
        m.put("brier", calibration.brier());
        return m;
    }

    /**
     * The scores as JSON: {@code summary()} fields, then {@code "positive_label"} (binary only),
     * {@code "per_class": {label: {precision, recall, f1, support}}}, {@code "labels"} and
     * {@code "confusion_matrix"} (rows actual, columns predicted, in label order). Undefined scores are null.
     */
    public ObjectNode toJson() {
        ObjectNode o = Manifest.JSON.createObjectNode();
        o.put("data", data);
        summary().forEach((k, v) -> {
            if (k.equals("examples")) {
                o.put(k, v.longValue());
            } else if (Double.isFinite(v)) {
                o.put(k, v);
            } else {
                o.putNull(k);
            }
        });
        if (positiveClass >= 0) {
            o.put("positive_label", labels.get(positiveClass));
        }
        ObjectNode perClass = o.putObject("per_class");
        for (ClassMetrics c : report.perClass()) {
            ObjectNode p = perClass.putObject(labels.get(c.classIndex()));
            p.put("precision", c.precision());
            p.put("recall", c.recall());
            p.put("f1", c.f1());
            p.put("support", c.support());
        }
        ArrayNode l = o.putArray("labels");
        labels.forEach(l::add);
        ArrayNode matrix = o.putArray("confusion_matrix");
        for (int a = 0; a < labels.size(); a++) {
            ArrayNode row = matrix.addArray();
            for (int p = 0; p < labels.size(); p++) {
                row.add(report.confusion().count(a, p));
            }
        }
        return o;
    }

    /** Headline scores, the per-class table and the confusion matrix, as text. */
    public String tables() {
        Table headline = new Table("metric", "value");
        headline.row("examples", report.confusion().total());
        headline.row("accuracy", report.accuracy());
        if (binary != null) {
            String p = " (" + labels.get(positiveClass) + ")";
            headline.row("precision" + p, binary.precision());
            headline.row("recall" + p, binary.recall());
            headline.row("F1" + p, binary.f1());
        }
        headline.row("macro F1", report.macroF1());
        headline.row(binary != null ? "ROC-AUC" : "ROC-AUC (one-vs-rest macro)", rocAuc);
        headline.row("ECE (15 bins)", calibration.ece());
        headline.row("Brier", calibration.brier());
        return data + "\n" + headline.render() + "\n" + MetricTables.classification(report, labels).render() + "\n"
                + MetricTables.confusion(report.confusion(), labels).render();
    }
}
