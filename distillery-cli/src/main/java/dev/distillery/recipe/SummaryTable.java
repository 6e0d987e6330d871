package dev.distillery.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distillery.report.Table;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The terminal summary of a verified run, read back from {@code summary.json} so a rerun whose steps
 * were all cached prints the same table as the run that made them.
 */
final class SummaryTable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SummaryTable() {
    }

    static Table read(Path summaryJson) throws IOException {
        JsonNode root = JSON.readTree(summaryJson.toFile());
        JsonNode models = root.path("models");
        JsonNode reference = null;
        for (JsonNode m : models) {
            if (m.path("reference").asBoolean()) {
                reference = m;
            }
        }
        Table t = new Table("model", "params", "size MB", "× ref size", "accuracy", "F1", "Δ F1", "ROC-AUC", "ECE", "p50 ms",
                "texts/s", "robust acc.")
                .format("params", "%,d").format("size MB", "%.1f").format("× ref size", "%.3f").format("Δ F1", "%+.4f")
                .format("ECE", "%.3f").format("p50 ms", "%.2f").format("texts/s", "%.1f").format("robust acc.", "%.2f");
        for (JsonNode m : models) {
            JsonNode metrics = m.path("metrics");
            boolean isReference = m.path("reference").asBoolean();
            double f1 = number(metrics, "f1");
            t.row(m.path("name").asText() + (isReference ? " (ref)" : ""), m.path("params").asLong(),
                    m.path("sizeBytes").asLong() / 1e6,
                    reference == null || isReference ? Double.NaN
                            : m.path("sizeBytes").asDouble() / reference.path("sizeBytes").asDouble(),
                    number(metrics, "accuracy"), f1,
                    reference == null || isReference ? Double.NaN : f1 - number(reference.path("metrics"), "f1"),
                    number(metrics, "rocAuc"), number(metrics, "ece"), number(m.path("latencyMs"), "p50"),
                    number(m, "throughputPerSec"), number(m.path("robustness"), "robustAccuracy"));
        }
        return t;
    }

    /** A number field, NaN ("n/a" in the table) when absent or null. */
    private static double number(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        return n.isNumber() ? n.doubleValue() : Double.NaN;
    }
}
