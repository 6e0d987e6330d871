package dev.distillery.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a training command reads its splits: a folder or named files; neither means the bundled data. */
final class SplitFileOptions {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with train, validation and test files (.csv, .tsv or .jsonl, optionally .gz).")
    Path data;

    @Option(names = "--train", paramLabel = "FILE", description = "Training file (instead of --data).")
    Path train;

    @Option(names = "--validation", paramLabel = "FILE", description = "Validation file, scored after each epoch.")
    Path validation;

    @Option(names = "--test", paramLabel = "FILE", description = "Test file, scored once at the end.")
    Path test;
}
