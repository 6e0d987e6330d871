package dev.distillery.pipeline;

import dev.distillery.distill.DistillOptions;
import dev.distillery.prune.LayerChoice;
import dev.distillery.prune.SparsityScope;

import java.nio.file.Path;

/**
 * What {@link Pruning#run} does.
 *
 * @param model          a classifier folder (train-teacher, distill or an earlier prune wrote it)
 * @param teacher        the classifier recovery distils from, sharing the model's tokenizer; null for the unpruned model
 * @param dataDir        folder holding {@code train}, {@code validation} and {@code test} files, or null
 * @param train          training file when {@code dataDir} is null; null for both means the bundled phishing URLs
 * @param validation     validation file, or null
 * @param test           test file, or null
 * @param headFraction   fraction of each layer's heads to remove, in [0, 1); the same number in every layer
 * @param ffnFraction    fraction of the feed-forward neurons to remove, in [0, 1); the same number in every layer
 * @param dropLayers     whole layers to remove; fewer than the model has
 * @param layerChoice    how those layers are chosen
 * @param sparsity       fraction of the encoder layers' linear weights to zero by magnitude, in [0, 1); 0 for none
 * @param sparsityScope  rank weights per matrix or over all of them
 * @param gradual        reach {@code sparsity} on Zhu and Gupta's cubic schedule during recovery instead of at once
 *                       (needs {@code recoverEpochs} &gt; 0)
 * @param sparseStorage  store the weights as {@code model.sparse.safetensors} when that is smaller (Hugging Face
 *                       cannot read it; {@code SparseWeights.densify} converts back)
 * @param importanceRows training rows (a seeded sample) on which head, neuron and layer importance are measured
 * @param recoverEpochs  epochs of distillation from the teacher after pruning; 0 for none
 * @param maxTrainRows   recover on a seeded random subset of at most this many rows; 0 for all
 * @param latencyRuns    timed batch-1 forward passes per model for the comparison; 0 to skip timing
 * @param distill        recovery's loss and training options; vocabulary trimming and augmentation are turned off
 * @param out            folder to write the pruned classifier to
 * @param command        the command line, for the manifest
 * @param resume         continue the recovery checkpointed in {@code out/.checkpoints} by an interrupted run with
 *                       the same options (needs {@code recoverEpochs} &gt; 0)
 */
public record PruningOptions(Path model, Path teacher, Path dataDir, Path train, Path validation, Path test,
                             double headFraction, double ffnFraction, int dropLayers, LayerChoice layerChoice,
                             double sparsity, SparsityScope sparsityScope, boolean gradual, boolean sparseStorage,
                             int importanceRows, int recoverEpochs, int maxTrainRows, int latencyRuns,
                             DistillOptions distill, Path out, String command, boolean resume) {
    public PruningOptions {
        if (!(headFraction >= 0 && headFraction < 1) || !(ffnFraction >= 0 && ffnFraction < 1)
                || !(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("head fraction " + headFraction + ", FFN fraction " + ffnFraction
                    + " and sparsity " + sparsity + " must each be in [0, 1)");
        }
        if (dropLayers < 0 || importanceRows < 1 || recoverEpochs < 0 || maxTrainRows < 0 || latencyRuns < 0) {
            throw new IllegalArgumentException("layers to drop " + dropLayers + ", recovery epochs " + recoverEpochs
                    + ", max train rows " + maxTrainRows + " and latency runs " + latencyRuns
                    + " must be non-negative, importance rows " + importanceRows + " positive");
        }
        if (gradual && (recoverEpochs == 0 || sparsity == 0)) {
            throw new IllegalArgumentException("gradual sparsity is reached during recovery: it needs a sparsity above 0 "
                    + "and at least one recovery epoch");
        }
        if (dataDir != null && (train != null || validation != null || test != null)) {
            throw new IllegalArgumentException("give either a data folder or train/validation/test files, not both");
        }
        if (train == null && (validation != null || test != null)) {
            throw new IllegalArgumentException("validation and test files need a train file");
        }
        if (resume && recoverEpochs == 0) {
            throw new IllegalArgumentException("only recovery is checkpointed: resuming needs at least one recovery epoch");
        }
    }

    /** Options that start afresh rather than resume. */
    public PruningOptions(Path model, Path teacher, Path dataDir, Path train, Path validation, Path test,
                          double headFraction, double ffnFraction, int dropLayers, LayerChoice layerChoice,
                          double sparsity, SparsityScope sparsityScope, boolean gradual, boolean sparseStorage,
                          int importanceRows, int recoverEpochs, int maxTrainRows, int latencyRuns,
                          DistillOptions distill, Path out, String command) {
        this(model, teacher, dataDir, train, validation, test, headFraction, ffnFraction, dropLayers, layerChoice, sparsity,
                sparsityScope, gradual, sparseStorage, importanceRows, recoverEpochs, maxTrainRows, latencyRuns, distill, out,
                command, false);
    }

    /**
     * Structured pruning by the given fractions with defaults for the rest: importance on 512 rows,
     * layers by importance, no sparsity, no recovery, bundled data.
     */
    public static PruningOptions of(Path model, double headFraction, double ffnFraction, int dropLayers, Path out) {
        return new PruningOptions(model, null, null, null, null, null, headFraction, ffnFraction, dropLayers,
                LayerChoice.IMPORTANCE, 0, SparsityScope.LAYER, false, false, 512, 0, 0, 0,
                DistillOptions.defaults(), out, "");
    }

    public PruningOptions withRecovery(int epochs, int trainRows) {
        return new PruningOptions(model, teacher, dataDir, train, validation, test, headFraction, ffnFraction, dropLayers,
                layerChoice, sparsity, sparsityScope, gradual, sparseStorage, importanceRows, epochs, trainRows,
                latencyRuns, distill, out, command, resume);
    }

    public PruningOptions withSparsity(double s, SparsityScope scope, boolean gradualSchedule, boolean sparse) {
        return new PruningOptions(model, teacher, dataDir, train, validation, test, headFraction, ffnFraction, dropLayers,
                layerChoice, s, scope, gradualSchedule, sparse, importanceRows, recoverEpochs, maxTrainRows,
                latencyRuns, distill, out, command, resume);
    }

    public PruningOptions withData(Path folder, Path trainFile, Path validationFile, Path testFile) {
        return new PruningOptions(model, teacher, folder, trainFile, validationFile, testFile, headFraction, ffnFraction,
                dropLayers, layerChoice, sparsity, sparsityScope, gradual, sparseStorage, importanceRows, recoverEpochs,
                maxTrainRows, latencyRuns, distill, out, command, resume);
    }

    public PruningOptions withDistill(DistillOptions d) {
        return new PruningOptions(model, teacher, dataDir, train, validation, test, headFraction, ffnFraction, dropLayers,
                layerChoice, sparsity, sparsityScope, gradual, sparseStorage, importanceRows, recoverEpochs, maxTrainRows,
                latencyRuns, d, out, command, resume);
    }

    public PruningOptions withResume(boolean r) {
        return new PruningOptions(model, teacher, dataDir, train, validation, test, headFraction, ffnFraction, dropLayers,
                layerChoice, sparsity, sparsityScope, gradual, sparseStorage, importanceRows, recoverEpochs, maxTrainRows,
                latencyRuns, distill, out, command, r);
    }
}
