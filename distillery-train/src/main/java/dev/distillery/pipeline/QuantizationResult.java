package dev.distillery.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.classify.Manifest;
import dev.distillery.quant.QuantizationInfo;
import dev.distillery.report.Table;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What a quantization run produced: the per-weight report, sizes, and (when scored) FP32 against
 * quantized F1 on the validation and test files.
 *
 * @param layers            one entry per matrix (quantized, skipped or kept), then one for the vectors
 * @param weightBytesBefore bytes of all weights as FP32
 * @param weightBytesAfter  bytes of all weights as stored (packed sizes for quantized ones)
 * @param folderBytesBefore size on disk of the model folder's files
 * @param folderBytesAfter  size on disk of the written folder's model files (the reports excluded)
 * @param validation        FP32 and quantized on the validation file, or null when not scored
 * @param test              the same on the test file, or null
 * @param sensitivities     per candidate weight, the validation effect of quantizing it alone (only with a budget
 *                          the full quantization missed), most sensitive first
 * @param quantized         the written folder, loaded back
 */
public record QuantizationResult(Path out, QuantizationInfo info, List<Layer> layers, long weightBytesBefore,
                                 long weightBytesAfter, long folderBytesBefore, long folderBytesAfter, Comparison validation,
                                 Comparison test, List<Sensitivity> sensitivities, Manifest manifest, Classifier quantized) {
    public static final String REPORT_MD = "quantization.md";
    public static final String REPORT_JSON = "quantization.json";

    public QuantizationResult {
        layers = List.copyOf(layers);
        sensitivities = List.copyOf(sensitivities);
    }

    /**
     * One weight's line of the report.
     *
     * @param storedAs    a scheme id, or {@code fp32}
     * @param why         for FP32 matrices: {@code skipped}, {@code kept} (for accuracy) or the reason; else empty
     * @param mse         mean squared error of the stored values against FP32 (0 for FP32)
     * @param sqnrDb      10·log10(Σw² / Σ(w − ŵ)²), infinite when exact
     */
    public record Layer(String tensor, int[] shape, String storedAs, String why, long bytesBefore, long bytesAfter,
                        double mse, double sqnrDb) {
    }

    /** The F1 (of the positive class for two labels, else macro) of FP32 and quantized on one split. */
    public record Comparison(Evaluation fp32, Evaluation quantized) {
        public double fp32F1() {
            return Quantization.f1(fp32);
        }

        public double quantizedF1() {
            return Quantization.f1(quantized);
        }

        public double f1Drop() {
            return fp32F1() - quantizedF1();
        }
    }

    /**
     * @param f1Drop validation F1 lost when only this weight is quantized
     * @param kl     mean KL(p_fp32 ‖ p_quantized) over validation rows, which orders weights whose F1 effect ties
     */
    public record Sensitivity(String tensor, double f1Drop, double kl) {
    }

    /** The per-weight table and the total, as printed. */
    public Table table() {
        Table t = new Table("tensor", "shape", "format", "bytes before", "bytes after", "MSE", "SQNR dB");
        for (Layer l : layers) {
            t.row(l.tensor(), Arrays.toString(l.shape()), l.storedAs() + (l.why().isEmpty() ? "" : " (" + l.why() + ")"),
                    l.bytesBefore(), l.bytesAfter(), sci(l.mse()), db(l.sqnrDb()));
        }
        t.row("total", "", info.scheme().id(), weightBytesBefore, weightBytesAfter, "", "");
        return t;
    }

    /** Sizes and scores in a few lines. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "weights: %,d -> %,d bytes (%.3fx); folder on disk: %,d -> %,d bytes (%.3fx)%n",
                weightBytesBefore, weightBytesAfter, weightBytesAfter / (double) weightBytesBefore, folderBytesBefore,
                folderBytesAfter, folderBytesAfter / (double) folderBytesBefore));
        for (String split : new String[] {"validation", "test"}) {
            Comparison c = split.equals("validation") ? validation : test;
            if (c != null) {
                s.append(String.format(Locale.ROOT, "%s F1: FP32 %.4f, %s %.4f (drop %+.4f)%n", split, c.fp32F1(),
                        info.scheme().id(), c.quantizedF1(), c.f1Drop()));
            }
        }
        if (!Double.isNaN(info.maxF1Drop())) {
            s.append(String.format(Locale.ROOT, "F1 budget %.4f: %s%n", info.maxF1Drop(), info.keptForAccuracy().isEmpty()
                    ? "met with every candidate quantized" : "kept " + info.keptForAccuracy().size() + " weight(s) at higher precision: "
                    + String.join(", ", info.keptForAccuracy())));
        }
        return s.toString();
    }

    /** The report as Markdown: the summary, then the per-weight table. */
    public String markdown() {
        StringBuilder s = new StringBuilder("# Quantization report\n\n");
        s.append("Scheme `").append(info.scheme().id()).append("`, written to `").append(out).append("`.\n\n");
        for (String line : summary().split("\n")) {
            s.append("- ").append(line).append('\n');
        }
        s.append("\n| tensor | shape | format | bytes before | bytes after | MSE | SQNR dB |\n|---|---|---|---:|---:|---:|---:|\n");
        for (Layer l : layers) {
            s.append("| `").append(l.tensor()).append("` | ").append(Arrays.toString(l.shape())).append(" | ").append(l.storedAs())
                    .append(l.why().isEmpty() ? "" : " (" + l.why() + ")").append(" | ").append(l.bytesBefore()).append(" | ")
                    .append(l.bytesAfter()).append(" | ").append(sci(l.mse())).append(" | ").append(db(l.sqnrDb())).append(" |\n");
        }
        s.append("| **total** | | ").append(info.scheme().id()).append(" | ").append(weightBytesBefore).append(" | ")
                .append(weightBytesAfter).append(" | | |\n");
        if (!sensitivities.isEmpty()) {
            s.append("\n## Sensitivity (validation, each weight quantized alone)\n\n| tensor | F1 drop | KL |\n|---|---:|---:|\n");
            for (Sensitivity x : sensitivities) {
                s.append(String.format(Locale.ROOT, "| `%s` | %.4f | %.3g |%n", x.tensor(), x.f1Drop(), x.kl()));
            }
        }
        return s.toString();
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("scheme", info.scheme().id());
        o.put("out", out.toString());
        o.set("quantization", info.toJson());
        ArrayNode a = o.putArray("layers");
        for (Layer l : layers) {
            ObjectNode n = a.addObject();
            n.put("tensor", l.tensor());
            ArrayNode shape = n.putArray("shape");
            Arrays.stream(l.shape()).forEach(shape::add);
            n.put("format", l.storedAs());
            n.put("why", l.why());
            n.put("bytes_before", l.bytesBefore());
            n.put("bytes_after", l.bytesAfter());
            n.put("mse", l.mse());
            if (Double.isFinite(l.sqnrDb())) {
                n.put("sqnr_db", l.sqnrDb());
            } else {
                n.putNull("sqnr_db"); // exact (FP32): no noise to compare with
            }
        }
        ObjectNode total = o.putObject("total");
        total.put("weight_bytes_before", weightBytesBefore);
        total.put("weight_bytes_after", weightBytesAfter);
        total.put("folder_bytes_before", folderBytesBefore);
        total.put("folder_bytes_after", folderBytesAfter);
        for (String split : new String[] {"validation", "test"}) {
            Comparison c = split.equals("validation") ? validation : test;
            if (c != null) {
                ObjectNode n = o.putObject(split);
                n.put("examples", c.fp32().report().confusion().total());
                n.put("fp32_f1", c.fp32F1());
                n.put("quantized_f1", c.quantizedF1());
                n.put("f1_drop", c.f1Drop());
            }
        }
        ArrayNode sens = o.putArray("sensitivity");
        for (Sensitivity x : sensitivities) {
            sens.addObject().put("tensor", x.tensor()).put("f1_drop", x.f1Drop()).put("kl", x.kl());
        }
        return o;
    }

    private static String sci(double v) {
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.3e", v);
    }

    private static String db(double v) {
        return Double.isInfinite(v) ? "exact" : String.format(Locale.ROOT, "%.1f", v);
    }
}
