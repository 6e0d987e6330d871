package dev.distillery.recipe;

import dev.distillery.classify.Manifest;
import dev.distillery.report.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The terminal summary of a run: one row per model with its size on disk and the test-split scores
 * its manifest records.
 */
final class ModelTable {
    private ModelTable() {
    }

    static Table of(Map<String, Path> models) throws IOException {
        Table t = new Table("model", "size", "accuracy", "F1", "ROC-AUC", "ECE");
        for (Map.Entry<String, Path> e : models.entrySet()) {
            Map<String, Double> test = Manifest.read(e.getValue().resolve(Manifest.FILE)).metrics().get("test");
            t.row(e.getKey(), String.format(Locale.ROOT, "%.1f MB", bytes(e.getValue()) / 1e6), score(test, "accuracy"),
                    score(test, test != null && test.containsKey("f1") ? "f1" : "macro_f1"), score(test, "roc_auc"),
                    score(test, "ece"));
        }
        return t;
    }

    private static Double score(Map<String, Double> m, String name) {
        return m == null || !m.containsKey(name) ? Double.NaN : m.get(name);
    }

    static long bytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            long sum = 0;
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                sum += Files.size(p);
            }
            return sum;
        }
    }
}
