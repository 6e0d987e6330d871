package dev.distillery.cli;

import dev.distillery.classify.Classifier;
import dev.distillery.classify.Evaluation;
import dev.distillery.pipeline.TeacherOptions;
import dev.distillery.pipeline.TeacherResult;
import dev.distillery.pipeline.TeacherTraining;
import dev.distillery.train.ConsoleProgress;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code distillery train-teacher}: fine-tunes MiniLM (or a Hugging Face folder) as a classifier and
 * saves it with its manifest; see {@link TeacherTraining}.
 */
@Command(name = "train-teacher",
        footer = {"", "Example:", "  distillery train-teacher --epochs 1 --max-length 48 --out models/teacher"},
        mixinStandardHelpOptions = true,
        description = {"Fine-tune a BERT-family teacher classifier and save it as a Hugging Face folder plus distillery.json.",
                "Without --data or --train it trains on the bundled, already normalised phishing-urls splits."})
public final class TrainTeacherCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = Classifier.MINILM, paramLabel = "minilm|DIR",
            description = "Base encoder: 'minilm' (bundled all-MiniLM-L6-v2) or a Hugging Face folder. Default: ${DEFAULT-VALUE}.")
    String model;

    @Mixin
    SplitFileOptions splits;

    @Mixin
    ColumnOptions columns;

    @Option(names = "--normalize-urls",
            description = "Strip scheme, one www. and one trailing / while reading, and at prediction time.")
    boolean normalizeUrls;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "5e-5", paramLabel = "X",
            description = "Peak learning rate (linear warm-up over 10 %%, then linear decay). Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--max-length", defaultValue = "64", paramLabel = "TOKENS",
            description = "Tokens per text including [CLS] and [SEP]; longer texts are cut. Default: ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--max-train-rows", defaultValue = "0", paramLabel = "N",
            description = "Train on a seeded random subset of this many rows; 0 for all. Default: ${DEFAULT-VALUE}.")
    int maxTrainRows;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seeds the head, data order and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--class-weights", description = "Weight the loss by inverse class frequency.")
    boolean classWeights;

    @Option(names = "--patience", defaultValue = "2", paramLabel = "N",
            description = "Stop after N epochs without a better validation score; 0 never stops early. Default: ${DEFAULT-VALUE}.")
    int patience;

    @Mixin
    CheckpointOptions checkpoints;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model folder to write.")
    Path out;

    @Spec
    CommandSpec spec;

    /** Where training reports progress; tests put a listener here that interrupts the run. */
    TrainingListener progress = new ConsoleProgress(System.err);

    @Override
    public Integer call() throws IOException {
        TrainOptions training = TrainOptions.defaults().withEpochs(epochs).withBatchSize(batchSize)
                .withLearningRate(learningRate).withSeed(seed).withPatience(patience)
                .withCheckpointEverySteps(checkpoints.checkpointEvery);
        // originalArgs belong to the root command, so they start with "train-teacher"
        String command = "distillery " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        TeacherOptions options = new TeacherOptions(model, splits.data, splits.train, splits.validation, splits.test, columns.textColumn, columns.labelColumn,
                normalizeUrls, maxLength, maxTrainRows, classWeights, training, out, checkpoints.resume, command);
        TeacherResult r = TeacherTraining.run(options, progress, System.err);
        PrintWriter stdout = spec.commandLine().getOut();
        for (Evaluation e : new Evaluation[] {r.validation(), r.test()}) {
            if (e != null) {
                stdout.println(e.tables());
            }
        }
        stdout.printf(Locale.ROOT, "saved %s to %s: %d training rows, %d optimizer steps in %.1f s (%.3f s/step)%n",
                r.classifier(), out, r.trainExamples(), r.stepsRun(), r.trainSeconds(), r.secondsPerStep());
        stdout.flush();
        return 0;
    }
}
