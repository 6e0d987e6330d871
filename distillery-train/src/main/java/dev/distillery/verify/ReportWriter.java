package dev.distillery.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Manifest;
import dev.distillery.eval.ClassMetrics;
import dev.distillery.eval.ConfusionMatrix;
import dev.distillery.io.AtomicFiles;
import dev.distillery.io.HfConfig;
import dev.distillery.report.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes a {@link VerificationResult} as {@code report.html} (self-contained: inline CSS and SVG, no
 * scripts, no network), {@code summary.md} and {@code summary.json}, and renders the terminal table.
 * <pre>{@code
 * ReportWriter.write(result, Path.of("report"));   // report/report.html, report/summary.md, report/summary.json
 * }</pre>
 * The JSON's headline metrics are those of the positive class for two labels and macro averages otherwise;
 * the schema is documented in docs/verification.md.
 */
public final class ReportWriter {
    public static final String HTML = "report.html";
    public static final String MARKDOWN = "summary.md";
    public static final String JSON = "summary.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReportWriter() {
    }

    /** Writes the three files into {@code outDir} (created if needed), each atomically. */
    public static void write(VerificationResult r, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        AtomicFiles.writeString(outDir.resolve(JSON), HfConfig.pretty(json(r)));
        AtomicFiles.writeString(outDir.resolve(MARKDOWN), markdown(r));
        AtomicFiles.writeString(outDir.resolve(HTML), HtmlPage.render(r));
    }

    /** Headline precision, recall and F1: of the positive class for two labels, macro averages otherwise. */
    static double[] headline(Evaluation e) {
        if (e.binary() != null) {
            return new double[] {e.binary().precision(), e.binary().recall(), e.binary().f1()};
        }
        return new double[] {e.report().macroPrecision(), e.report().macroRecall(), e.report().macroF1()};
    }

    /** summary.json, schema in docs/verification.md. */
    public static ObjectNode json(VerificationResult r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("data", r.data());
        root.put("rows", r.rows());
        ArrayNode labels = root.putArray("labels");
        r.labels().forEach(labels::add);
        root.put("benignLabel", r.labels().get(r.benignClass()));
        ObjectNode counts = root.putObject("classCounts");
        for (int c = 0; c < r.labels().size(); c++) {
            counts.put(r.labels().get(c), r.classCounts()[c]);
        }
        ArrayNode rare = root.putArray("rareClasses");
        for (int c = 0; c < r.labels().size(); c++) {
            if (r.rare(c)) {
                rare.add(r.labels().get(c));
            }
        }
        root.put("createdUtc", r.createdUtc());
        root.put("platform", r.platform());
        ArrayNode models = root.putArray("models");
        for (ModelReport m : r.models()) {
            ObjectNode o = models.addObject();
            o.put("name", m.name());
            o.put("path", m.dir().toAbsolutePath().normalize().toString());
            o.put("reference", m.reference());
            Efficiency e = m.efficiency();
            o.put("params", e.parameters());
            o.put("sizeBytes", e.sizeBytes());
            Evaluation t = m.test();
            double[] prf = headline(t);
            ObjectNode metrics = o.putObject("metrics");
            put(metrics, "accuracy", t.report().accuracy());
            put(metrics, "precision", prf[0]);
            put(metrics, "recall", prf[1]);
            put(metrics, "f1", prf[2]);
            put(metrics, "rocAuc", t.rocAuc());
            put(metrics, "ece", t.calibration().ece());
            put(metrics, "brier", t.calibration().brier());
            put(metrics, "macroF1", t.report().macroF1());
            put(metrics, "eceUncalibrated", m.uncalibrated().ece());
            put(metrics, "brierUncalibrated", m.uncalibrated().brier());
            if (t.binary() != null) {
                metrics.put("positiveLabel", t.labels().get(t.positiveClass()));
            }
            Manifest.Calibration c = m.calibration();
            if (c == null) {
                o.putNull("calibration");
            } else {
                ObjectNode k = o.putObject("calibration");
                k.put("temperature", c.temperature());
                k.put("fittedOn", c.fittedOn());
                put(k, "eceBeforeOnFit", c.eceBefore());
                put(k, "eceAfterOnFit", c.eceAfter());
            }
            if (e.measured()) {
                ObjectNode l = o.putObject("latencyMs");
                l.put("p50", e.latencyP50Millis());
                l.put("p95", e.latencyP95Millis());
                l.put("p99", e.latencyP99Millis());
                o.put("throughputPerSec", e.throughputPerSec());
                o.put("throughputBatchSize", e.batchSize());
                o.put("peakHeapBytes", e.peakHeapBytes());
                o.put("retainedHeapBytes", e.retainedHeapBytes());
            } else {
                o.putNull("latencyMs");
                o.putNull("throughputPerSec");
                o.putNull("peakHeapBytes");
                o.putNull("retainedHeapBytes");
            }
            o.put("efficiencyMethod", e.method());
            Robustness rb = m.robustness();
            if (rb == null) {
                o.putNull("robustness");
                o.put("robustnessNote", "not measured: " + m.robustnessNote());
            } else {
                ObjectNode b = o.putObject("robustness");
                put(b, "robustAccuracy", rb.robustAccuracy());
                put(b, "attackSuccessRate", rb.attackSuccessRate());
                put(b, "meanQueries", rb.meanQueries());
                put(b, "cleanAccuracy", rb.cleanAccuracy());
                b.put("attacked", rb.attacked());
                b.put("method", rb.method());
                ArrayNode ex = b.putArray("examples");
                for (Robustness.Example x : rb.examples()) {
                    ObjectNode e1 = ex.addObject();
                    e1.put("original", x.original());
                    e1.put("adversarial", x.adversarial());
                    e1.put("probabilityBefore", x.before());
                    e1.put("probabilityAfter", x.after());
                    e1.put("queries", x.queries());
                    e1.put("edits", x.edits());
                }
            }
            ObjectNode perClass = o.putObject("perClass");
            for (ClassMetrics cm : t.report().perClass()) {
                ObjectNode p = perClass.putObject(t.labels().get(cm.classIndex()));
                p.put("precision", cm.precision());
                p.put("recall", cm.recall());
                p.put("f1", cm.f1());
                p.put("support", cm.support());
                p.put("rare", r.rare(cm.classIndex()));
            }
            ArrayNode matrix = o.putArray("confusionMatrix");
            ConfusionMatrix cm = t.report().confusion();
            for (int a = 0; a < cm.numClasses(); a++) {
                ArrayNode row = matrix.addArray();
                for (int p = 0; p < cm.numClasses(); p++) {
                    row.add(cm.count(a, p));
                }
            }
        }
        ArrayNode comparisons = root.putArray("comparisons");
        for (Comparison c : r.comparisons()) {
            ObjectNode o = comparisons.addObject();
            o.put("reference", c.reference());
            o.put("model", c.model());
            o.put("agreement", c.agreement());
            o.put("referenceOnlyCaught", c.referenceOnlyCaught());
            o.put("modelOnlyCaught", c.modelOnlyCaught());
            ObjectNode fp = o.putObject("falsePositives");
            fp.put("reference", c.referenceFalsePositives());
            fp.put("model", c.modelFalsePositives());
            fp.put("delta", c.falsePositiveDelta());
            ObjectNode fn = o.putObject("falseNegatives");
            fn.put("reference", c.referenceFalseNegatives());
            fn.put("model", c.modelFalseNegatives());
            fn.put("delta", c.falseNegativeDelta());
            misses(o.putArray("referenceOnly"), c.referenceOnly());
            misses(o.putArray("modelOnly"), c.modelOnly());
            ArrayNode pc = o.putArray("perClass");
            for (ClassDelta d : c.perClass()) {
                ObjectNode p = pc.addObject();
                p.put("label", d.label());
                p.put("support", d.support());
                p.put("rare", d.rare());
                p.put("referenceRecall", d.referenceRecall());
                p.put("modelRecall", d.modelRecall());
                p.put("referenceF1", d.referenceF1());
                p.put("modelF1", d.modelF1());
            }
        }
        if (r.robustnessNote() == null) {
            root.putNull("robustnessNote");
        } else {
            root.put("robustnessNote", "not measured: " + r.robustnessNote());
        }
        return root;
    }

    private static void misses(ArrayNode out, List<Miss> misses) {
        for (Miss m : misses) {
            ObjectNode o = out.addObject();
            o.put("row", m.row());
            o.put("text", m.text());
            o.put("actual", m.actual());
            o.put("referencePredicted", m.referencePredicted());
            o.put("modelPredicted", m.modelPredicted());
            o.put("referenceProbability", m.referenceProbability());
            o.put("modelProbability", m.modelProbability());
        }
    }

    private static void put(ObjectNode o, String name, double v) {
        if (Double.isFinite(v)) {
            o.put(name, v);
        } else {
            o.putNull(name); // JSON has no NaN: an undefined score (ROC-AUC with one class) is null
        }
    }

    /** One row per model: the figures a terminal user looks at first. */
    public static Table table(VerificationResult r) {
        Table t = new Table("model", "params", "size", "accuracy", "F1", "ROC-AUC", "ECE", "ECE T=1", "p50 ms", "p95 ms",
                "texts/s", "robust acc.", "attack succ.")
                .format("params", "%,d").format("ECE", "%.3f").format("ECE T=1", "%.3f").format("p50 ms", "%.2f")
                .format("p95 ms", "%.2f").format("texts/s", "%.1f").format("robust acc.", "%.2f").format("attack succ.", "%.2f");
        for (ModelReport m : r.models()) {
            Efficiency e = m.efficiency();
            Robustness rb = m.robustness();
            t.row(m.name() + (m.reference() ? " (ref)" : ""), e.parameters(), HtmlPage.bytes(e.sizeBytes()),
                    m.test().report().accuracy(), headline(m.test())[2], m.test().rocAuc(), m.test().calibration().ece(),
                    m.uncalibrated().ece(), e.latencyP50Millis(), e.latencyP95Millis(),
                    e.throughputPerSec(), rb == null ? Double.NaN : rb.robustAccuracy(),
                    rb == null ? Double.NaN : rb.attackSuccessRate());
        }
        return t;
    }

    /** summary.md: the model table, then per comparison what was lost, for terminals and pull requests. */
    public static String markdown(VerificationResult r) {
        StringBuilder s = new StringBuilder();
        s.append("# Distillery verification report\n\n");
        s.append(String.format(Locale.ROOT, "Test data: `%s`, %d rows; classes %s (benign: `%s`). Measured %s on %s.%n%n",
                r.data(), r.rows(), classList(r), r.labels().get(r.benignClass()), r.createdUtc(), r.platform()));
        s.append("| model | params | size MB | accuracy | precision | recall | F1 | ROC-AUC | ECE (T=1 → T) | Brier | p50 / p95 / p99 ms | texts/s | robust acc. | attack success |\n");
        s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (ModelReport m : r.models()) {
            Efficiency e = m.efficiency();
            Evaluation t = m.test();
            double[] prf = headline(t);
            Robustness rb = m.robustness();
            s.append(String.format(Locale.ROOT, "| %s%s | %,d | %.1f | %s | %s | %s | %s | %s | %s → %s | %s | %s | %s | %s | %s |%n",
                    m.name(), m.reference() ? " (reference)" : "", e.parameters(), e.sizeBytes() / 1e6,
                    f(t.report().accuracy()), f(prf[0]), f(prf[1]), f(prf[2]), f(t.rocAuc()), f(m.uncalibrated().ece()),
                    f(t.calibration().ece()), f(t.calibration().brier()),
                    e.measured() ? String.format(Locale.ROOT, "%.1f / %.1f / %.1f", e.latencyP50Millis(), e.latencyP95Millis(),
                            e.latencyP99Millis()) : "n/a",
                    e.measured() ? String.format(Locale.ROOT, "%.0f", e.throughputPerSec()) : "n/a",
                    rb == null ? "n/a" : f(rb.robustAccuracy()), rb == null ? "n/a" : f(rb.attackSuccessRate())));
        }
        if (r.robustnessNote() != null) {
            s.append("\nRobustness: not measured (").append(r.robustnessNote()).append(").\n");
        }
        for (Comparison c : r.comparisons()) {
            s.append(String.format(Locale.ROOT, "%n## %s against %s%n%n", c.model(), c.reference()));
            s.append(String.format(Locale.ROOT, "- agreement: %.4f of %d rows%n", c.agreement(), c.rows()));
            s.append(String.format(Locale.ROOT, "- threats %s caught and %s missed: **%d**; the reverse: %d%n", c.reference(),
                    c.model(), c.referenceOnlyCaught(), c.modelOnlyCaught()));
            s.append(String.format(Locale.ROOT, "- false positives %d → %d (%+d); false negatives %d → %d (%+d)%n",
                    c.referenceFalsePositives(), c.modelFalsePositives(), c.falsePositiveDelta(), c.referenceFalseNegatives(),
                    c.modelFalseNegatives(), c.falseNegativeDelta()));
            for (ClassDelta d : c.perClass()) {
                if (d.rare()) {
                    s.append(String.format(Locale.ROOT, "- rare class `%s` (%d rows): recall %.4f → %.4f, F1 %.4f → %.4f%n",
                            d.label(), d.support(), d.referenceRecall(), d.modelRecall(), d.referenceF1(), d.modelF1()));
                }
            }
            if (!c.referenceOnly().isEmpty()) {
                s.append(String.format(Locale.ROOT, "%n| row | text | actual | P(actual) %s | P(actual) %s |%n|---:|---|---|---:|---:|%n",
                        c.reference(), c.model()));
                for (Miss m : c.referenceOnly().subList(0, Math.min(10, c.referenceOnly().size()))) {
                    s.append(String.format(Locale.ROOT, "| %d | `%s` | %s | %.3f | %.3f |%n", m.row(), m.text().replace("|", "\\|")
                            .replace("`", "'"), m.actual(), m.referenceProbability(), m.modelProbability()));
                }
            }
        }
        return s.toString();
    }

    private static String classList(VerificationResult r) {
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < r.labels().size(); c++) {
            s.append(c == 0 ? "" : ", ").append('`').append(r.labels().get(c)).append("` ").append(r.classCounts()[c]);
            if (r.rare(c)) {
                s.append(" (rare)");
            }
        }
        return s.toString();
    }

    static String f(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
    }
}
