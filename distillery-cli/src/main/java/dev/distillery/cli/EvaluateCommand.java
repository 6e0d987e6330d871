package dev.distillery.cli;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.data.Dataset;
import dev.distillery.data.ReadOptions;
import dev.distillery.io.HfConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code distillery evaluate}: a saved classifier scored on a labelled file. Tables go to stdout;
 * with {@code --json} the JSON goes to stdout and the tables to stderr, so the output can be piped.
 */
@Command(name = "evaluate",
        footer = {"", "Example:", "  distillery evaluate --model models/teacher \\",
                "      --data datasets/phishing-urls/test.csv.gz --json"},
        mixinStandardHelpOptions = true,
        description = {"Score a saved classifier on a labelled file: accuracy, precision/recall/F1, ROC-AUC, ECE, Brier, confusion matrix.",
                "Tables go to stdout; with --json, JSON goes to stdout and the tables to stderr."})
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A folder saved by train-teacher.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Labelled .csv, .tsv or .jsonl (optionally .gz).")
    Path data;

    @Option(names = "--text-column", paramLabel = "NAME", description = "Text column. Default: url, else text.")
    String textColumn;

    @Option(names = "--label-column", defaultValue = ReadOptions.DEFAULT_LABEL_COLUMN, paramLabel = "NAME",
            description = "Label column. Default: ${DEFAULT-VALUE}.")
    String labelColumn;

    @Option(names = "--json", description = "Write the metrics as JSON on stdout (tables on stderr).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Classifier classifier = Classifier.load(model);
        // The model's labels make an unknown label fail at its line; its transform is applied as the rows are read.
        ReadOptions read = ReadOptions.defaults().withTextColumn(textColumn).withLabelColumn(labelColumn)
                .withLabels(classifier.labels()).withTransform(classifier.transform());
        Evaluation e = Evaluation.of(classifier, Dataset.load(data, read));
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            PrintWriter stderr = spec.commandLine().getErr();
            stderr.println(e.tables());
            stderr.flush();
            stdout.println(HfConfig.pretty(e.toJson()).strip());
        } else {
            stdout.println(e.tables());
        }
        stdout.flush();
        return 0;
    }
}
