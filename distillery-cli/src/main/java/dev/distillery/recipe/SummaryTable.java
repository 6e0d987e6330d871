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
        Table t = new Table("model", "params", "size MB", "accuracy", "F1", "ROC-AUC", "ECE", "p50 ms", "texts/s",
                "robust acc.");
        for (JsonNode m : root.path("models")) {
            JsonNode metrics = m.path("metrics");
            t.row(m.path("name").asText() + (m.path("reference").asBoolean() ? " (ref)" : ""), m.path("params").asLong(),
                    m.path("sizeBytes").asLong() / 1e6, number(metrics, "accuracy"), number(metrics, "f1"),
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
