package dev.distillery.cli;

import dev.distillery.distill.DistillOptions;
import dev.distillery.pipeline.Pruning;
import dev.distillery.pipeline.PruningOptions;
import dev.distillery.pipeline.PruningResult;
import dev.distillery.prune.LayerChoice;
import dev.distillery.prune.SparsityScope;
import dev.distillery.train.ConsoleProgress;
import dev.distillery.train.TrainOptions;
import dev.distillery.train.TrainingListener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code distillery prune}: structured and unstructured pruning with recovery; see {@link Pruning}. */
@Command(name = "prune",
        mixinStandardHelpOptions = true,
        description = {"Remove attention heads, feed-forward neurons and layers of a saved classifier (physically: smaller "
                + "matrices, faster with the same kernels), optionally zero weights by magnitude, recover by distillation "
                + "from the unpruned model, compare before and after, and save the pruned classifier.",
                "Without --data or --train it uses the bundled phishing-urls splits."},
        footer = {"", "Example: half the heads and FFN neurons and two layers of a teacher,",
                "recovered for one epoch on 2000 rows:",
                "  distillery prune --model models/teacher --heads 0.5 --ffn 0.5 --layers 2 \\",
                "      --recover-epochs 1 --max-train-rows 2000 --out models/pruned"})
public final class PruneCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A classifier folder to prune.")
    Path model;

    @Option(names = "--teacher", paramLabel = "DIR",
            description = "Classifier to recover from (same tokenizer); default: the unpruned --model.")
    Path teacher;

    @Mixin
    SplitFileOptions splits;

    @Option(names = "--heads", defaultValue = "0", paramLabel = "FRACTION",
            description = "Fraction of each layer's attention heads to remove (the same number in every layer). Default: ${DEFAULT-VALUE}.")
    double heads;

    @Option(names = "--ffn", defaultValue = "0", paramLabel = "FRACTION",
            description = "Fraction of feed-forward neurons to remove (the same number in every layer). Default: ${DEFAULT-VALUE}.")
    double ffn;

    @Option(names = "--layers", defaultValue = "0", paramLabel = "N", description = "Whole layers to remove. Default: ${DEFAULT-VALUE}.")
    int layers;

    @Option(names = "--layer-choice", defaultValue = "importance", paramLabel = "importance|spread",
            description = "Drop the layers whose removal costs least loss, or keep an evenly spread subset. Default: ${DEFAULT-VALUE}.")
    String layerChoice;

    @Option(names = "--sparsity", defaultValue = "0", paramLabel = "FRACTION",
            description = "Fraction of the encoder layers' linear weights to zero by magnitude. Default: ${DEFAULT-VALUE}.")
    double sparsity;

    @Option(names = "--sparsity-scope", defaultValue = "layer", paramLabel = "layer|global",
            description = "Rank weights within each matrix or across all of them. Default: ${DEFAULT-VALUE}.")
    String sparsityScope;

    @Option(names = "--gradual", description = "Reach --sparsity on a cubic schedule during recovery (Zhu & Gupta 2017) instead of at once.")
    boolean gradual;

    @Option(names = "--store-sparse",
            description = "Save the weights as model.sparse.safetensors (values + bit mask) when smaller; Hugging Face cannot read that file.")
    boolean storeSparse;

    @Option(names = "--importance-rows", defaultValue = "512", paramLabel = "N",
            description = "Training rows on which importance is measured. Default: ${DEFAULT-VALUE}.")
    int importanceRows;

    @Option(names = "--recover-epochs", defaultValue = "0", paramLabel = "N",
            description = "Epochs of distillation from the teacher after pruning; 0 for none. Default: ${DEFAULT-VALUE}.")
    int recoverEpochs;

    @Option(names = "--max-train-rows", defaultValue = "0", paramLabel = "N",
            description = "Recover on a seeded random subset of this many rows; 0 for all. Default: ${DEFAULT-VALUE}.")
    int maxTrainRows;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "Recovery batch size. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--lr", defaultValue = "5e-5", paramLabel = "X", description = "Recovery peak learning rate. Default: ${DEFAULT-VALUE}.")
    double learningRate;

    @Option(names = "--temperature", defaultValue = "2", paramLabel = "T", description = "Distillation temperature. Default: ${DEFAULT-VALUE}.")
    double temperature;

    @Option(names = "--alpha", defaultValue = "0.5", paramLabel = "A",
            description = "Weight of the soft-target loss; the rest is cross-entropy on labels. Default: ${DEFAULT-VALUE}.")
    double alpha;

    @Option(names = "--latency-runs", defaultValue = "200", paramLabel = "N",
            description = "Timed batch-1 forward passes per model; 0 to skip timing. Default: ${DEFAULT-VALUE}.")
    int latencyRuns;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seeds sampling, data order and dropout. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write the pruned classifier to.")
    Path out;

    @Mixin
    CheckpointOptions checkpoints;

    @Spec
    CommandSpec spec;

    /** Where recovery reports progress. */
    TrainingListener progress = new ConsoleProgress(System.err);

    @Override
    public Integer call() throws IOException {
        LayerChoice choice = switch (layerChoice) {
            case "importance" -> LayerChoice.IMPORTANCE;
            case "spread" -> LayerChoice.SPREAD;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--layer-choice must be importance or spread, not '" + layerChoice + "'");
        };
        SparsityScope scope = switch (sparsityScope) {
            case "layer" -> SparsityScope.LAYER;
            case "global" -> SparsityScope.GLOBAL;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--sparsity-scope must be layer or global, not '" + sparsityScope + "'");
        };
        TrainOptions training = TrainOptions.defaults().withBatchSize(batchSize).withLearningRate(learningRate).withSeed(seed)
                .withCheckpointEverySteps(checkpoints.checkpointEvery);
        DistillOptions distill = DistillOptions.defaults().withTrain(training).withTemperature(temperature).withAlpha(alpha);
        String command = "distillery " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        PruningOptions options;
        try {
            options = new PruningOptions(model, teacher, splits.data, splits.train, splits.validation, splits.test, heads, ffn,
                    layers, choice, sparsity, scope, gradual, storeSparse, importanceRows, recoverEpochs, maxTrainRows,
                    latencyRuns, distill, out, command, checkpoints.resume);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PruningResult r = Pruning.run(options, progress, System.err);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(r.comparison());
        stdout.printf(Locale.ROOT, "saved %s to %s: kept layers %s of %d, heads %s, FFN %d%s%n", r.after(), out,
                Arrays.toString(r.plan().keptLayers()), r.before().model().config().numLayers(), r.plan().keptHeads(),
                r.plan().ffnSize(), r.storedSparse() ? ", weights stored sparsely" : "");
        stdout.flush();
        return 0;
    }
}
