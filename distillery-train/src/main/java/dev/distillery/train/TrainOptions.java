package dev.distillery.train;

/**
 * How to fine-tune. Defaults ({@link #defaults}) follow common BERT fine-tuning recipes and
 * Hugging Face's Trainer: AdamW lr 5e-5, weight decay 0.01, warm-up 10 %, clipping at norm 1.
 *
 * @param batchSize              examples per micro-batch
 * @param gradientAccumulation   micro-batches per optimizer step (1: none); the last step of an epoch may take fewer
 * @param maxGradNorm            global gradient-norm clip; 0 turns clipping off
 * @param patience               stop after this many epochs without a better validation score; 0 never stops early
 * @param checkpointEverySteps   also checkpoint every this many optimizer steps inside an epoch; 0 only at epoch ends
 * @param positiveClass          validation score: F1 of this class, or macro F1 when −1
 * @param evalBatchSize          examples per validation batch
 */
public record TrainOptions(int epochs, int batchSize, int gradientAccumulation, double learningRate, double warmupRatio,
                           double weightDecay, double maxGradNorm, long seed, int patience, int checkpointEverySteps,
                           int positiveClass, int evalBatchSize) {
    public TrainOptions {
        if (epochs < 1 || batchSize < 1 || gradientAccumulation < 1 || evalBatchSize < 1) {
            throw new IllegalArgumentException("epochs " + epochs + ", batch size " + batchSize
                    + ", gradient accumulation " + gradientAccumulation + " and eval batch size " + evalBatchSize
                    + " must all be at least 1");
        }
        if (!(learningRate >= 0) || !(warmupRatio >= 0 && warmupRatio <= 1) || !(weightDecay >= 0)
                || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("learning rate " + learningRate + ", weight decay " + weightDecay
                    + " and max gradient norm " + maxGradNorm + " must be non-negative, warm-up ratio " + warmupRatio
                    + " in [0, 1]");
        }
        if (patience < 0 || checkpointEverySteps < 0 || positiveClass < -1) {
            throw new IllegalArgumentException("patience " + patience + " and checkpoint interval "
                    + checkpointEverySteps + " must be non-negative, positive class ≥ −1 (got " + positiveClass + ")");
        }
    }

    public static TrainOptions defaults() {
        return new TrainOptions(3, 32, 1, 5e-5, 0.1, 0.01, 1.0, 42, 0, 0, -1, 64);
    }

    public TrainOptions withEpochs(int n) {
        return new TrainOptions(n, batchSize, gradientAccumulation, learningRate, warmupRatio, weightDecay, maxGradNorm,
                seed, patience, checkpointEverySteps, positiveClass, evalBatchSize);
    }

    public TrainOptions withBatchSize(int n) {
        return new TrainOptions(epochs, n, gradientAccumulation, learningRate, warmupRatio, weightDecay, maxGradNorm,
                seed, patience, checkpointEverySteps, positiveClass, evalBatchSize);
    }

    public TrainOptions withGradientAccumulation(int n) {
        return new TrainOptions(epochs, batchSize, n, learningRate, warmupRatio, weightDecay, maxGradNorm,
                seed, patience, checkpointEverySteps, positiveClass, evalBatchSize);
    }

    public TrainOptions withLearningRate(double lr) {
        return new TrainOptions(epochs, batchSize, gradientAccumulation, lr, warmupRatio, weightDecay, maxGradNorm,
                seed, patience, checkpointEverySteps, positiveClass, evalBatchSize);
    }

    public TrainOptions withWarmupRatio(double ratio) {
        return new TrainOptions(epochs, batchSize, gradientAccumulation, learningRate, ratio, weightDecay, maxGradNorm,
                seed, patience, checkpointEverySteps, positiveClass, evalBatchSize);
    }

    public TrainOptions withSeed(long s) {
        return new TrainOptions(epochs, batchSize, gradientAccumulation, learningRate, warmupRatio, weightDecay,
                maxGradNorm, s, patience, checkpointEverySteps, positiveClass, evalBatchSize);
    }

    public TrainOptions withPatience(int n) {
        return new TrainOptions(epochs, batchSize, gradientAccumulation, learningRate, warmupRatio, weightDecay,
                maxGradNorm, seed, n, checkpointEverySteps, positiveClass, evalBatchSize);
    }

    public TrainOptions withCheckpointEverySteps(int n) {
        return new TrainOptions(epochs, batchSize, gradientAccumulation, learningRate, warmupRatio, weightDecay,
                maxGradNorm, seed, patience, n, positiveClass, evalBatchSize);
    }

    public TrainOptions withPositiveClass(int c) {
        return new TrainOptions(epochs, batchSize, gradientAccumulation, learningRate, warmupRatio, weightDecay,
                maxGradNorm, seed, patience, checkpointEverySteps, c, evalBatchSize);
    }

    /** Micro-batches per epoch for {@code examples} training examples. */
    public int batchesPerEpoch(int examples) {
        return (examples + batchSize - 1) / batchSize;
    }

    /** Optimizer steps per epoch: the last may accumulate fewer micro-batches. */
    public int stepsPerEpoch(int examples) {
        return (batchesPerEpoch(examples) + gradientAccumulation - 1) / gradientAccumulation;
    }
}
