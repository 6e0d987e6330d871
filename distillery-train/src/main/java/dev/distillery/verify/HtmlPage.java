package dev.distillery.verify;

import dev.distillery.classify.Evaluation;
import dev.distillery.eval.CalibrationReport;
import dev.distillery.eval.ClassMetrics;
import dev.distillery.eval.ConfusionMatrix;
import dev.distillery.report.Charts;
import dev.distillery.report.Html;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * report.html: one page with inline CSS and inline SVG charts, no scripts and no external resource, so it
 * opens offline and can be attached to a ticket. Every chart is an {@code <svg>} inside a
 * {@code <figure class="chart">}, which the browser test looks for.
 */
final class HtmlPage {
    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;margin:0;background:#f6f7f9}
            main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}
            h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 10px;border-bottom:1px solid #dde;padding-bottom:4px}
            h3{font-size:15px;margin:20px 0 8px}
            .meta{color:#555;font-size:12.5px}
            .scroll{overflow-x:auto;max-width:100%}
            table{border-collapse:collapse;background:#fff;margin:6px 0 12px;font-size:12.5px}
            th,td{padding:4px 8px;border-bottom:1px solid #e6e6ea;text-align:right;white-space:nowrap}
            th{background:#eef0f4;font-weight:600}
            td.t,th.t{text-align:left}td.url{text-align:left;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;white-space:normal;word-break:break-all;max-width:560px}
            .charts{display:flex;flex-wrap:wrap;gap:14px}
            figure.chart{background:#fff;border:1px solid #e2e4e8;border-radius:6px;margin:0;padding:8px}
            figure.chart figcaption{font-size:12px;color:#555;max-width:440px;padding:2px 4px}
            .tag{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;background:#fde2cf;color:#8a3b00;margin-left:4px}
            .ref{background:#dbeafe;color:#1e3a8a}
            .worse{color:#b42318;font-weight:600}.better{color:#067647;font-weight:600}
            .note{background:#fff8e1;border:1px solid #f2dfa0;padding:8px 12px;border-radius:6px;max-width:900px}
            .cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#fff;border:1px solid #e2e4e8;border-radius:6px;padding:10px 14px;min-width:150px}
            .card b{display:block;font-size:20px}
            """;

    private HtmlPage() {
    }

    static String render(VerificationResult r) {
        StringBuilder h = new StringBuilder(64_000);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                // an empty data: icon, or the browser asks for /favicon.ico next to the file and logs its absence
                .append("<link rel=\"icon\" href=\"data:,\">")
                .append("<title>Distillery verification report</title><style>").append(CSS).append("</style></head><body><main>\n");
        h.append("<h1>Distillery verification report</h1>\n<p class=\"meta\">Test data <code>").append(e(r.data()))
                .append("</code>: ").append(r.rows()).append(" rows, classes ").append(classList(r)).append(". Measured ")
                .append(e(r.createdUtc())).append(" on ").append(e(r.platform())).append(".</p>\n");
        summary(h, r);
        pareto(h, r);
        calibration(h, r);
        confusion(h, r);
        lost(h, r);
        robustness(h, r);
        efficiency(h, r);
        h.append("</main></body></html>\n");
        return h.toString();
    }

    private static void summary(StringBuilder h, VerificationResult r) {
        boolean binary = r.models().getFirst().test().binary() != null;
        String which = binary ? " (" + e(r.labels().get(r.models().getFirst().test().positiveClass())) + ")" : " (macro)";
        h.append("<h2>Models</h2>\n<div class=\"scroll\"><table><tr><th class=\"t\">model</th><th>parameters</th><th>size</th><th>accuracy</th>")
                .append("<th>precision").append(which).append("</th><th>recall").append(which).append("</th><th>F1")
                .append(which).append("</th><th>ROC-AUC</th><th>ECE</th><th>Brier</th><th>T</th><th>p50 ms</th>")
                .append("<th>texts/s</th><th>robust acc.</th></tr>\n");
        for (ModelReport m : r.models()) {
            Evaluation t = m.test();
            double[] prf = ReportWriter.headline(t);
            Efficiency ef = m.efficiency();
            h.append("<tr><td class=\"t\">").append(e(m.name())).append(m.reference() ? "<span class=\"tag ref\">reference</span>" : "")
                    .append("</td><td>").append(String.format(Locale.ROOT, "%,d", ef.parameters())).append("</td><td>")
                    .append(bytes(ef.sizeBytes())).append("</td><td>")
                    .append(f(t.report().accuracy())).append("</td><td>").append(f(prf[0])).append("</td><td>").append(f(prf[1]))
                    .append("</td><td>").append(f(prf[2])).append("</td><td>").append(f(t.rocAuc())).append("</td><td>")
                    .append(f(t.calibration().ece())).append("</td><td>").append(f(t.calibration().brier())).append("</td><td>")
                    .append(m.calibration() == null ? "1 (none)" : String.format(Locale.ROOT, "%.3f", m.calibration().temperature()))
                    .append("</td><td>").append(ef.measured() ? String.format(Locale.ROOT, "%.2f", ef.latencyP50Millis()) : "n/a")
                    .append("</td><td>").append(ef.measured() ? String.format(Locale.ROOT, "%.0f", ef.throughputPerSec()) : "n/a")
                    .append("</td><td>").append(m.robustness() == null ? "n/a" : f(m.robustness().robustAccuracy()))
                    .append("</td></tr>\n");
        }
        h.append("</table></div>\n");
    }

    private static void pareto(StringBuilder h, VerificationResult r) {
        List<Charts.Point> bySize = new ArrayList<>();
        List<Charts.Point> byLatency = new ArrayList<>();
        for (int i = 0; i < r.models().size(); i++) {
            ModelReport m = r.models().get(i);
            String color = color(i);
            double f1 = ReportWriter.headline(m.test())[2];
            bySize.add(new Charts.Point(m.name(), m.efficiency().sizeBytes() / 1e6, f1, color));
            byLatency.add(new Charts.Point(m.name(), m.efficiency().latencyP50Millis(), f1, color));
        }
        h.append("<h2>Quality against cost</h2>\n<div class=\"charts\">");
        figure(h, Charts.pareto("F1 against size on disk", "size on disk (MB, log scale)", "F1", bySize, true),
                "Dashed: the Pareto front, models no other model beats on both size and F1.");
        figure(h, Charts.pareto("F1 against latency", "latency p50 at batch 1 (ms, log scale)", "F1", byLatency, true),
                "Single-text latency measured in this run; see Efficiency for how.");
        h.append("</div>\n");
    }

    private static void calibration(StringBuilder h, VerificationResult r) {
        h.append("<h2>Calibration</h2>\n<p>Reliability diagrams over 15 equal-width bins of top-class confidence: a calibrated model's ")
                .append("bars reach the dashed diagonal. Bars use the model's saved temperature (as predict and serve do); ")
                .append("the dark markers are the same rows at T = 1. ECE = Σ<sub>b</sub> (n<sub>b</sub>/n)·|accuracy − confidence|.</p>\n")
                .append("<div class=\"scroll\"><table><tr><th class=\"t\">model</th><th>T</th><th class=\"t\">fitted on</th><th>ECE at T = 1</th>")
                .append("<th>ECE with T</th><th>Brier at T = 1</th><th>Brier with T</th></tr>\n");
        for (ModelReport m : r.models()) {
            h.append("<tr><td class=\"t\">").append(e(m.name())).append("</td><td>")
                    .append(m.calibration() == null ? "1" : String.format(Locale.ROOT, "%.4f", m.calibration().temperature()))
                    .append("</td><td class=\"t\">").append(m.calibration() == null ? "not calibrated" : e(m.calibration().fittedOn()))
                    .append("</td><td>").append(f(m.uncalibrated().ece())).append("</td><td>").append(f(m.test().calibration().ece()))
                    .append("</td><td>").append(f(m.uncalibrated().brier())).append("</td><td>")
                    .append(f(m.test().calibration().brier())).append("</td></tr>\n");
        }
        h.append("</table></div>\n<div class=\"charts\">");
        for (int i = 0; i < r.models().size(); i++) {
            ModelReport m = r.models().get(i);
            figure(h, Charts.reliability("Reliability: " + m.name(), bins(m.test().calibration()), bins(m.uncalibrated()), color(i)),
                    String.format(Locale.ROOT, "ECE %s with T = %.3f; %s at T = 1.", f(m.test().calibration().ece()),
                            m.calibration() == null ? 1.0 : m.calibration().temperature(), f(m.uncalibrated().ece())));
        }
        h.append("</div>\n");
    }

    private static List<Charts.Bin> bins(CalibrationReport c) {
        return c.bins().stream().map(b -> new Charts.Bin(b.lower(), b.upper(), b.count(), b.accuracy(), b.confidence())).toList();
    }

    private static void confusion(StringBuilder h, VerificationResult r) {
        h.append("<h2>Confusion matrices and per-class scores</h2>\n<div class=\"charts\">");
        for (ModelReport m : r.models()) {
            ConfusionMatrix cm = m.test().report().confusion();
            long[][] counts = new long[cm.numClasses()][cm.numClasses()];
            for (int a = 0; a < counts.length; a++) {
                for (int p = 0; p < counts.length; p++) {
                    counts[a][p] = cm.count(a, p);
                }
            }
            figure(h, Charts.confusion("Confusion: " + m.name(), r.labels(), counts),
                    "Rows actual, columns predicted; shade = share of the row.");
        }
        h.append("</div>\n<div class=\"scroll\"><table><tr><th class=\"t\">class</th><th>support</th>");
        for (ModelReport m : r.models()) {
            h.append("<th>recall ").append(e(m.name())).append("</th><th>F1 ").append(e(m.name())).append("</th>");
        }
        h.append("</tr>\n");
        for (int c = 0; c < r.labels().size(); c++) {
            h.append("<tr><td class=\"t\">").append(e(r.labels().get(c))).append(r.rare(c) ? "<span class=\"tag\">rare</span>" : "")
                    .append(c == r.benignClass() ? " <span class=\"meta\">(benign)</span>" : "").append("</td><td>")
                    .append(r.classCounts()[c]).append("</td>");
            for (ModelReport m : r.models()) {
                ClassMetrics cm = m.test().report().perClass().get(c);
                h.append("<td>").append(f(cm.recall())).append("</td><td>").append(f(cm.f1())).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table></div>\n<p class=\"meta\">Rare: fewer than ").append((int) (Verification.RARE_SHARE * 100))
                .append(" % of the test rows; their scores rest on few examples and move most under compression.</p>\n");
    }

    private static void lost(StringBuilder h, VerificationResult r) {
        h.append("<h2>What the compressed models lost</h2>\n");
        if (r.comparisons().isEmpty()) {
            h.append("<p class=\"note\">Only one model was measured, so there is nothing to compare it with. Give a teacher ")
                    .append("with <code>--teacher</code> or several folders with <code>--models</code>.</p>\n");
            return;
        }
        for (Comparison c : r.comparisons()) {
            h.append("<h3>").append(e(c.model())).append(" against ").append(e(c.reference())).append("</h3>\n<div class=\"cards\">");
            card(h, "agreement", String.format(Locale.ROOT, "%.2f %%", 100 * c.agreement()), c.rows() + " rows");
            card(h, "threats only " + c.reference() + " caught", Long.toString(c.referenceOnlyCaught()), "missed by " + c.model());
            card(h, "threats only " + c.model() + " caught", Long.toString(c.modelOnlyCaught()), "missed by " + c.reference());
            card(h, "false positives", c.referenceFalsePositives() + " → " + c.modelFalsePositives(), delta(c.falsePositiveDelta()));
            card(h, "false negatives", c.referenceFalseNegatives() + " → " + c.modelFalseNegatives(), delta(c.falseNegativeDelta()));
            h.append("</div>\n<div class=\"scroll\"><table><tr><th class=\"t\">class</th><th>support</th><th>recall ").append(e(c.reference()))
                    .append("</th><th>recall ").append(e(c.model())).append("</th><th>F1 ").append(e(c.reference()))
                    .append("</th><th>F1 ").append(e(c.model())).append("</th><th>ΔF1</th></tr>\n");
            for (ClassDelta d : c.perClass()) {
                double df = d.modelF1() - d.referenceF1();
                h.append("<tr><td class=\"t\">").append(e(d.label())).append(d.rare() ? "<span class=\"tag\">rare</span>" : "")
                        .append("</td><td>").append(d.support()).append("</td><td>").append(f(d.referenceRecall())).append("</td><td>")
                        .append(f(d.modelRecall())).append("</td><td>").append(f(d.referenceF1())).append("</td><td>")
                        .append(f(d.modelF1())).append("</td><td class=\"").append(df < -1e-12 ? "worse" : df > 1e-12 ? "better" : "")
                        .append("\">").append(String.format(Locale.ROOT, "%+.4f", df)).append("</td></tr>\n");
            }
            h.append("</table></div>\n");
            misses(h, "Threats " + c.reference() + " caught and " + c.model() + " missed", c, c.referenceOnly(), c.referenceOnlyCaught());
            misses(h, "Threats " + c.model() + " caught and " + c.reference() + " missed", c, c.modelOnly(), c.modelOnlyCaught());
        }
    }

    private static void misses(StringBuilder h, String title, Comparison c, List<Miss> list, long total) {
        h.append("<h3>").append(e(title)).append(" (").append(total).append(total > list.size() ? ", first " + list.size() : "")
                .append(")</h3>\n");
        if (list.isEmpty()) {
            h.append("<p class=\"meta\">None.</p>\n");
            return;
        }
        h.append("<div class=\"scroll\"><table><tr><th>row</th><th class=\"t\">text</th><th class=\"t\">actual</th><th class=\"t\">")
                .append(e(c.reference())).append(" said</th><th class=\"t\">").append(e(c.model()))
                .append(" said</th><th>P(actual) ").append(e(c.reference())).append("</th><th>P(actual) ")
                .append(e(c.model())).append("</th></tr>\n");
        for (Miss m : list) {
            h.append("<tr><td>").append(m.row()).append("</td><td class=\"url\">").append(e(m.text())).append("</td><td class=\"t\">")
                    .append(e(m.actual())).append("</td><td class=\"t\">").append(e(m.referencePredicted())).append("</td><td class=\"t\">")
                    .append(e(m.modelPredicted())).append("</td><td>").append(String.format(Locale.ROOT, "%.3f", m.referenceProbability()))
                    .append("</td><td>").append(String.format(Locale.ROOT, "%.3f", m.modelProbability())).append("</td></tr>\n");
        }
        h.append("</table></div>\n");
    }

    private static void robustness(StringBuilder h, VerificationResult r) {
        h.append("<h2>Adversarial robustness</h2>\n");
        if (r.models().stream().allMatch(m -> m.robustness() == null)) {
            h.append("<p class=\"note\">Not measured: ").append(e(r.robustnessNote() == null ? "no attack ran" : r.robustnessNote()))
                    .append(".</p>\n");
            return;
        }
        h.append("<div class=\"scroll\"><table><tr><th class=\"t\">model</th><th>rows attacked</th><th>clean accuracy</th><th>robust accuracy</th>")
                .append("<th>attack success rate</th><th>mean queries</th></tr>\n");
        String method = null;
        for (ModelReport m : r.models()) {
            Robustness b = m.robustness();
            h.append("<tr><td class=\"t\">").append(e(m.name())).append("</td>");
            if (b == null) {
                h.append("<td colspan=\"5\" class=\"t\">not measured: ").append(e(String.valueOf(m.robustnessNote()))).append("</td></tr>\n");
                continue;
            }
            method = b.method();
            h.append("<td>").append(b.attacked()).append("</td><td>").append(f(b.cleanAccuracy())).append("</td><td>")
                    .append(f(b.robustAccuracy())).append("</td><td>").append(f(b.attackSuccessRate())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f", b.meanQueries())).append("</td></tr>\n");
        }
        h.append("</table></div>\n");
        List<String> names = new ArrayList<>();
        double[] clean = new double[r.models().size()];
        double[] robust = new double[clean.length];
        double[] success = new double[clean.length];
        for (int i = 0; i < clean.length; i++) {
            Robustness b = r.models().get(i).robustness();
            names.add(r.models().get(i).name());
            clean[i] = b == null ? Double.NaN : b.cleanAccuracy();
            robust[i] = b == null ? Double.NaN : b.robustAccuracy();
            success[i] = b == null ? Double.NaN : b.attackSuccessRate();
        }
        h.append("<div class=\"charts\">");
        figure(h, Charts.groupedBars("Accuracy on the attacked rows", "share of rows", names, List.of(
                        new Charts.Series("clean accuracy", "#0072B2", clean), new Charts.Series("robust accuracy", "#009E73", robust),
                        new Charts.Series("attack success rate", "#D55E00", success))),
                "Robust accuracy: still right after the attack. Attack success: flipped among those right before it.");
        h.append("</div>\n");
        if (method != null) {
            h.append("<p class=\"meta\">").append(e(method)).append("</p>\n");
        }
        for (ModelReport m : r.models()) {
            if (m.robustness() == null || m.robustness().examples().isEmpty()) {
                continue;
            }
            h.append("<h3>Successful attacks on ").append(e(m.name())).append(" (first ")
                    .append(m.robustness().examples().size()).append(")</h3>\n<div class=\"scroll\"><table><tr>")
                    .append("<th class=\"t\">original</th><th class=\"t\">adversarial</th><th>P(true) before</th>")
                    .append("<th>after</th><th>queries</th><th class=\"t\">edits</th></tr>\n");
            for (Robustness.Example x : m.robustness().examples()) {
                h.append("<tr><td class=\"url\">").append(e(x.original())).append("</td><td class=\"url\">")
                        .append(e(x.adversarial())).append("</td><td>").append(String.format(Locale.ROOT, "%.3f", x.before()))
                        .append("</td><td>").append(String.format(Locale.ROOT, "%.3f", x.after())).append("</td><td>")
                        .append(x.queries()).append("</td><td class=\"t\">").append(e(x.edits())).append("</td></tr>\n");
            }
            h.append("</table></div>\n");
        }
    }

    private static void efficiency(StringBuilder h, VerificationResult r) {
        h.append("<h2>Efficiency on this machine</h2>\n<div class=\"scroll\"><table><tr><th class=\"t\">model</th><th>parameters</th><th>size on disk</th>")
                .append("<th>latency p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>throughput texts/s</th><th>peak heap MB</th><th>retained heap MB</th></tr>\n");
        String method = null;
        for (ModelReport m : r.models()) {
            Efficiency ef = m.efficiency();
            method = ef.method();
            h.append("<tr><td class=\"t\">").append(e(m.name())).append("</td><td>").append(String.format(Locale.ROOT, "%,d", ef.parameters()))
                    .append("</td><td>").append(bytes(ef.sizeBytes())).append("</td>");
            if (ef.measured()) {
                h.append(String.format(Locale.ROOT, "<td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.1f (batch %d)</td><td>%.0f</td><td>%.0f</td>",
                        ef.latencyP50Millis(), ef.latencyP95Millis(), ef.latencyP99Millis(), ef.throughputPerSec(), ef.batchSize(),
                        ef.peakHeapBytes() / 1e6, ef.retainedHeapBytes() / 1e6));
            } else {
                h.append("<td colspan=\"6\" class=\"t\">not measured</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table></div>\n<p class=\"meta\">How: ").append(e(method)).append(". Figures from a busy machine are noisy; ")
                .append("compare models measured in the same run.</p>\n");
    }

    private static void card(StringBuilder h, String title, String value, String sub) {
        h.append("<div class=\"card\"><span class=\"meta\">").append(e(title)).append("</span><b>").append(e(value))
                .append("</b><span class=\"meta\">").append(e(sub)).append("</span></div>");
    }

    /** Bytes in decimal units, three significant digits: 38.2 kB, 90.9 MB. */
    static String bytes(long b) {
        if (b < 1000) {
            return b + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = b / 1000.0;
        int u = 0;
        while (v >= 999.5 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v >= 99.95 ? "%.0f %s" : v >= 9.995 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    private static String delta(long d) {
        return d == 0 ? "no change" : String.format(Locale.ROOT, "%+d", d);
    }

    private static void figure(StringBuilder h, String svg, String caption) {
        h.append("<figure class=\"chart\">").append(svg).append("<figcaption>").append(e(caption)).append("</figcaption></figure>");
    }

    private static String classList(VerificationResult r) {
        StringBuilder s = new StringBuilder();
        for (int c = 0; c < r.labels().size(); c++) {
            s.append(c == 0 ? "" : ", ").append("<code>").append(e(r.labels().get(c))).append("</code> ").append(r.classCounts()[c]);
            if (r.rare(c)) {
                s.append("<span class=\"tag\">rare</span>");
            }
        }
        s.append(" (benign: <code>").append(e(r.labels().get(r.benignClass()))).append("</code>)");
        return s.toString();
    }

    private static String color(int i) {
        return Charts.PALETTE.get(i % Charts.PALETTE.size());
    }

    private static String f(double v) {
        return ReportWriter.f(v);
    }

    private static String e(String s) {
        return Html.escape(s);
    }
}
