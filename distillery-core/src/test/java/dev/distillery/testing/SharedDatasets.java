package dev.distillery.testing;

import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The team's shared datasets as CI lays them out: {@code shared/datasets} beside the clone, found by
 * walking up from the Maven basedir. A checkout elsewhere (a git worktree) names the folder with
 * {@code -Ddistillery.datasets=DIR} or the environment variable {@code DISTILLERY_DATASETS}.
 */
public final class SharedDatasets {
    private SharedDatasets() {
    }

    public static Path root() {
        String configured = System.getProperty("distillery.datasets", System.getenv("DISTILLERY_DATASETS"));
        if (configured != null) {
            return requireDatasets(Path.of(configured));
        }
        Path base = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        for (Path p = base; p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("datasets");
            if (Files.isDirectory(candidate)) {
                return requireDatasets(candidate);
            }
        }
        throw new IllegalStateException("shared/datasets not found above " + base + ": these tests need the shared "
                + "datasets beside the repository (../shared/datasets), or -Ddistillery.datasets=DIR");
    }

    /** The text column ({@code url}) of a dataset file, e.g. {@code "phishing-urls/test.csv.gz"}. */
    public static List<String> urls(String relativeFile) throws IOException {
        Path file = root().resolve(relativeFile);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("dataset file " + file + " is missing");
        }
        return Dataset.load(file, ReadOptions.defaults()).texts();
    }

    private static Path requireDatasets(Path root) {
        if (!Files.isDirectory(root.resolve("phishing-urls")) || !Files.isDirectory(root.resolve("malicious-urls"))) {
            throw new IllegalStateException(root.toAbsolutePath() + " holds no phishing-urls/ and malicious-urls/ datasets");
        }
        return root;
    }
}
