package dev.distillery.cli;

import dev.distillery.data.ReadOptions;
import picocli.CommandLine.Option;

/** Which columns of the split files a training command reads: the text and the label. */
final class ColumnOptions {
    @Option(names = "--text-column", paramLabel = "NAME", description = "Text column. Default: url, else text.")
    String textColumn;

    @Option(names = "--label-column", defaultValue = ReadOptions.DEFAULT_LABEL_COLUMN, paramLabel = "NAME",
            description = "Label column. Default: ${DEFAULT-VALUE}.")
    String labelColumn;
}
