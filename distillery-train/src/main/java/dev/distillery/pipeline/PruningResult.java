package dev.distillery.pipeline;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Manifest;
import dev.distillery.prune.PruningPlan;
import dev.distillery.report.Table;
import dev.distillery.train.TrainingResult;

import java.util.Locale;

/**
 * What a pruning run produced.
 *
 * @param plan         what was kept, in the input model's numbering
 * @param sparsity     zero weights over the encoder layers' linear weights after pruning (0 without unstructured pruning)
 * @param storedSparse whether the folder holds {@code model.sparse.safetensors} instead of {@code model.safetensors}
 * @param recovery     the recovery distillation's history, or null without recovery
 */
public record PruningResult(Classifier before, Classifier after, Manifest manifest, PruningPlan plan,
                            Figures beforeFigures, Figures afterFigures, double sparsity, boolean storedSparse,
                            TrainingResult recovery) {

    /**
     * One model's side of the comparison.
     *
     * @param latencyMicros median wall time of one batch-1 forward pass (tokenized in advance), NaN when not timed
     * @param validationF1  positive-class F1 (macro F1 beyond two labels) on the validation split, NaN without one
     * @param testF1        the same on the test split
     */
    public record Figures(long parameters, long sizeBytes, double latencyMicros, double validationF1, double testF1) {
    }

    /** Before and after side by side, with the after/before ratio. */
    public Table comparison() {
        Table t = new Table("", "before", "after", "after/before");
        Figures b = beforeFigures;
        Figures a = afterFigures;
        t.row("layers", (long) before.model().config().numLayers(), (long) after.model().config().numLayers(), "");
        t.row("heads per layer", heads(before), heads(after), "");
        t.row("FFN size", (long) before.model().config().intermediateSize(), (long) after.model().config().intermediateSize(), "");
        t.row("parameters", b.parameters(), a.parameters(), ratio(a.parameters(), b.parameters()));
        t.row("size on disk", megabytes(b.sizeBytes()), megabytes(a.sizeBytes()), ratio(a.sizeBytes(), b.sizeBytes()));
        t.row("batch-1 latency", micros(b.latencyMicros()), micros(a.latencyMicros()), ratio(a.latencyMicros(), b.latencyMicros()));
        t.row("validation F1", b.validationF1(), a.validationF1(), "");
        t.row("test F1", b.testF1(), a.testF1(), "");
        t.row("weight sparsity", "", String.format(Locale.ROOT, "%.3f", sparsity), "");
        return t;
    }

    private static String heads(Classifier c) {
        var cfg = c.model().config();
        StringBuilder s = new StringBuilder();
        for (int l = 0; l < cfg.numLayers(); l++) {
            s.append(l == 0 ? "" : ",").append(cfg.headsInLayer(l));
        }
        return s.toString();
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "" : String.format(Locale.ROOT, "%.2f", a / b);
    }

    private static String micros(double us) {
        return Double.isNaN(us) ? "not timed" : String.format(Locale.ROOT, "%.0f µs", us);
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }
}
