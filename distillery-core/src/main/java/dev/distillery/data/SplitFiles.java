package dev.distillery.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files of a dataset already split on disk. Validation and test may be null when not shipped.
 */
public record SplitFiles(Path train, Path validation, Path test) {
    public SplitFiles {
        if (train == null) {
            throw new IllegalArgumentException("a split needs a train file");
        }
    }

    /**
     * {@code train.csv.gz}, {@code validation.csv.gz} and {@code test.csv.gz} (or {@code .csv}) in {@code dir};
     * train must exist, the others are null when absent.
     */
    public static SplitFiles in(Path dir) {
        Path train = find(dir, "train");
        if (train == null) {
            throw new DatasetException(dir, 0, "no train file in this folder (train.csv.gz, train.csv, train.tsv[.gz] or train.jsonl[.gz])");
        }
        return new SplitFiles(train, find(dir, "validation"), find(dir, "test"));
    }

    private static Path find(Path dir, String split) {
        for (String ext : new String[] {".csv.gz", ".csv", ".tsv.gz", ".tsv", ".jsonl.gz", ".jsonl"}) {
            Path p = dir.resolve(split + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
